"""HTTP to the PVS: one bounded GET (total time, headers included, and size), and the legacy DeviceList request."""

from __future__ import annotations

import threading
import time

import requests
import urllib3

from pvs6sup import USER_AGENT
from pvs6sup.core.records import FrozenRecord
from pvs6sup.errors import PVSAnswerError, PVSRefusedError, PVSUnreachableError
from pvs6sup.net.deadline import CONNECT_TIMEOUT_S, DeadlineExceeded, call_within

DEVICE_LIST_PATH = "/cgi-bin/dl_cgi?Command=DeviceList"
MAX_ANSWER_BYTES = 8 * 1024 * 1024  # a real 30-inverter answer is ~30 KB
# The same request in every environment. requests advertises "br" as soon as brotli imports anywhere (and
# "zstd" where that imports), and legacy PVS firmware hangs on it; it also honours http_proxy and ~/.netrc,
# which must never route or authenticate a LAN request. The weather and the sinks keep the environment.
PVS_HEADERS = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
NO_PROXY: dict[str, str | None] = {"http": None, "https": None, "all": None}  # None wins over the environment's


class _NoNetrc(requests.auth.AuthBase):
    """An explicit 'no auth': while a request has an auth, requests never looks in ~/.netrc."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


NO_NETRC = _NoNetrc()


class Answer(FrozenRecord):
    """What the PVS sent back: status and body (cut at MAX_ANSWER_BYTES, then truncated=True)."""

    path: str
    status_code: int
    body: bytes
    truncated: bool = False


def _connection_reason(err: Exception) -> str:
    text = str(err).lower()
    for needle, reason in (
        ("refused", "connection refused"),
        ("reset", "connection reset"),
        ("name or service not known", "host name not found"),
        ("nodename nor servname", "host name not found"),
        ("no route", "no route to host"),
        ("network is unreachable", "network unreachable"),
        ("remotedisconnected", "connection closed without an answer"),
        ("incompleteread", "the answer was cut off"),
        ("connection broken", "the answer was cut off"),
        ("badstatusline", "not an HTTP answer"),
        ("decod", "an undecodable compressed answer"),
        ("aborted", "connection closed without an answer"),
    ):
        if needle in text:
            return reason
    return f"connection failed ({type(err).__name__})"


def get(
    session: requests.Session,
    base_url: str,
    path: str,
    timeout_s: float,
    **kwargs: object,
) -> Answer:
    """GET base_url+path within timeout_s in total (headers and body, trickling or not) and at most MAX_ANSWER_BYTES.

    Raises PVSUnreachableError when no complete answer arrived; any HTTP status is returned as is.
    """
    deadline = time.monotonic() + timeout_s
    headers_arrived = threading.Event()
    try:
        # The headers are read inside session.get, where no deadline of ours can look: hence the thread.
        return call_within(
            timeout_s,
            lambda: _get(session, base_url, path, timeout_s, deadline, headers_arrived, kwargs),
            "PVS request",
        )
    except DeadlineExceeded:
        if headers_arrived.is_set():
            raise PVSUnreachableError(_still_sending(base_url, timeout_s)) from None
        raise PVSUnreachableError(_no_answer(base_url, timeout_s)) from None


def _still_sending(base_url: str, timeout_s: float) -> str:
    return f"the PVS at {base_url} was still sending after {timeout_s:g} s (PVS_TIMEOUT)"


def _no_answer(base_url: str, timeout_s: float) -> str:
    return f"the PVS at {base_url} did not answer within {timeout_s:g} s (PVS_TIMEOUT)"


def _get(
    session: requests.Session,
    base_url: str,
    path: str,
    timeout_s: float,
    deadline: float,
    headers_arrived: threading.Event,
    kwargs: dict[str, object],
) -> Answer:
    kwargs.setdefault("auth", NO_NETRC)  # the login's Basic auth replaces it
    try:
        with session.get(
            base_url + path,
            timeout=(min(CONNECT_TIMEOUT_S, timeout_s), timeout_s),
            stream=True,
            headers=PVS_HEADERS,
            proxies=dict(NO_PROXY),  # type: ignore[arg-type]  # requests drops None values
            allow_redirects=False,  # a redirect would take the environment's proxy again
            **kwargs,  # type: ignore[arg-type]
        ) as response:
            headers_arrived.set()
            chunks: list[bytes] = []
            size = 0
            truncated = False
            # read1 returns whatever one socket read brings, so the deadline is checked even when
            # the PVS trickles bytes slower than the read timeout would ever notice.
            while chunk := response.raw.read1(64 * 1024, decode_content=True):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    truncated = True
                    break
                if time.monotonic() > deadline:
                    raise PVSUnreachableError(_still_sending(base_url, timeout_s))
            body = b"".join(chunks)[:MAX_ANSWER_BYTES]
            return Answer(path, response.status_code, body, truncated)
    except (requests.Timeout, urllib3.exceptions.TimeoutError) as err:
        raise PVSUnreachableError(_no_answer(base_url, timeout_s)) from err
    except (requests.RequestException, urllib3.exceptions.HTTPError) as err:
        raise PVSUnreachableError(f"cannot reach the PVS at {base_url}: {_connection_reason(err)}") from err


def require_ok(answer: Answer) -> None:
    """Raise PVSRefusedError for an HTTP error status, PVSAnswerError for an over-long body."""
    if not 200 <= answer.status_code < 300:
        raise PVSRefusedError(
            f"the PVS refused {answer.path.split('?')[0]} with HTTP {answer.status_code}"
            + (" (a restart of the PVS usually clears this)" if answer.status_code in (403, 500) else ""),
            answer.status_code,
        )
    if answer.truncated:
        raise PVSAnswerError(f"the PVS answer is larger than {MAX_ANSWER_BYTES // 1024 // 1024} MiB; not read")


def fetch_device_list(session: requests.Session, base_url: str, timeout_s: float) -> Answer:
    """The legacy firmware's one request per cycle: GET dl_cgi?Command=DeviceList."""
    return get(session, base_url, DEVICE_LIST_PATH, timeout_s)
