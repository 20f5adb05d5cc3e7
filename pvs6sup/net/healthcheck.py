"""The watchdog outside the Pi: tell HEALTHCHECK_URL after each run whether a reading was recorded.

The only thing that notices a dead cron, a dead Pi or a full SD card is something elsewhere that expects
a ping every few minutes and raises the alarm when none comes.

- A recorded reading: GET the URL (healthchecks.io, Uptime Kuma push monitors, anything that counts hits), or
  POST it the per-stream report as the body (Uptime Kuma: status=up&msg=<its first line>).
- A recorded reading while alerts are not getting through (notify/health.py): as a failure, with the reason.
- Nothing recorded (PVS, storage, clock, or a bug): healthchecks.io gets a POST to <url>/fail with the
  one-line error as the body; an Uptime Kuma push URL (/api/push/) gets status=down&msg=<the error>.
- Another run holding the lock (exit 3) pings nothing: that other run is alive and will ping.

A ping has TIMEOUT_S in all, and never fails or stops the run; the URL is a secret, so it is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from pvs6sup import USER_AGENT
from pvs6sup.errors import LockHeldError
from pvs6sup.logs import masked
from pvs6sup.net.deadline import DeadlineExceeded, call_within
from pvs6sup.settings.config import HealthcheckSettings

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
MAX_BODY_CHARS = 10_000  # healthchecks.io keeps the first 10 KB of a body
KUMA_PATH = "/api/push/"


def ping(
    watchdog: HealthcheckSettings,
    session: requests.Session,
    secrets: tuple[str, ...],
    report: str | None = None,
    problem: str | None = None,
) -> None:
    """A reading was recorded: say so (when HEALTHCHECK_URL is set), with the per-stream report; as a failure
    when `problem` says alerts are not getting through. secrets: masked in what is sent."""
    if watchdog.url:
        error = None if problem is None else problem + (f"\n\n{report}" if report else "")
        _send(session, watchdog.url, error, secrets, report)


def ping_failure(
    watchdog: HealthcheckSettings, session: requests.Session, secrets: tuple[str, ...], error: str
) -> None:
    """Nothing was recorded: say so, with the one-line error, its secrets masked (when HEALTHCHECK_URL is set)."""
    if watchdog.url:
        _send(session, watchdog.url, error, secrets)


@contextmanager
def failure_reported(
    watchdog: HealthcheckSettings, session: requests.Session, secrets: tuple[str, ...]
) -> Iterator[None]:
    """Ping the failure of whatever the block raises, except a lock held by another (live) run."""
    try:
        yield
    except LockHeldError:
        raise
    except Exception as err:
        ping_failure(watchdog, session, secrets, str(err) or type(err).__name__)
        raise


def request_for(url: str, error: str | None, report: str | None = None) -> tuple[str, str, bytes | None]:
    """(method, url, body) of the ping: success (with its report), or failure with its error, in the style the
    URL speaks."""
    parts = urlsplit(url)
    if KUMA_PATH in parts.path and (error is not None or report):
        status, text = ("down", error) if error is not None else ("up", report or "")
        query = dict(parse_qsl(parts.query)) | {"status": status, "msg": text.splitlines()[0][:250] if text else ""}
        return "GET", urlunsplit(parts._replace(query=urlencode(query))), None
    if error is None:
        return ("POST", url, report[:MAX_BODY_CHARS].encode("utf-8")) if report else ("GET", url, None)
    fail_url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/fail"))
    return "POST", fail_url, error[:MAX_BODY_CHARS].encode("utf-8")


def _send(
    session: requests.Session, url: str, error: str | None, secrets: tuple[str, ...], report: str | None = None
) -> None:
    shown = None if report is None else masked(report, secrets)
    method, target, body = request_for(url, None if error is None else masked(error, secrets), shown)

    def call() -> int:
        with session.request(
            method, target, data=body, timeout=TIMEOUT_S, headers={"User-Agent": USER_AGENT}, stream=True
        ) as response:
            return response.status_code

    try:
        status = call_within(TIMEOUT_S, call, "watchdog ping")
    except (DeadlineExceeded, requests.Timeout):  # whichever of the two ends first
        log.warning("watchdog: HEALTHCHECK_URL did not answer within %g s; the run goes on", TIMEOUT_S)
        return
    except requests.RequestException as err:  # its text names the URL's path, a secret: only its kind is said
        kind = type(err).__name__
        log.warning("watchdog: cannot reach HEALTHCHECK_URL (%s); check the URL and the Pi's internet", kind)
        return
    if not 200 <= status < 300:
        log.warning("watchdog: HEALTHCHECK_URL answered HTTP %d; check the URL", status)
    else:
        log.debug("watchdog: pinged (%s)", "failure" if error is not None else "success")
