"""Google credentials for a cron job: the service-account key, an access token cached on disk, and a
session whose every request has a timeout that fits the Sheets step's time budget.

The token is fetched with Credentials.refresh() directly: google-auth (>= 2.55) starts its background
iamcredentials "allowedLocations" lookup from before_request(), which is never called here, so a
token exchange is exactly one HTTPS call. google-auth is imported only when a token is fetched.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

from pvs6sup.core.records import FrozenRecord, field
from pvs6sup.errors import DeliveryError
from pvs6sup.net.deadline import CONNECT_TIMEOUT_S
from pvs6sup.settings.load import env_file_warnings
from pvs6sup.sinks.budget import within
from pvs6sup.store.files import atomic_write

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
READ_TIMEOUT_S = 25.0
TOKEN_MARGIN = timedelta(minutes=5)  # fetch a new token this long before the old one expires
TOKEN_FILE = "google-token.json"  # noqa: S105 (a file name, not a secret)


class SheetsError(DeliveryError):
    """Google Sheets delivery failed this time; the rows stay queued."""


class OutOfTimeError(SheetsError):
    """The time budget ran out before a request could be sent (so nothing was sent)."""


class Key(FrozenRecord):
    """A service-account key as read from its JSON file; repr never shows it."""

    path: Path
    info: dict[str, Any] = field(repr=False)

    @property
    def client_email(self) -> str:
        return str(self.info["client_email"])


def load_key(path: Path) -> Key:
    """Read the service-account JSON key; SheetsError naming the problem (never its contents)."""
    for warning in env_file_warnings(path):
        log.warning("%s", warning)
    try:
        info = json.loads(path.read_bytes())
    except FileNotFoundError as err:
        raise SheetsError(f"Google Sheets: GOOGLE_SERVICE_ACCOUNT_FILE: no such file: {path}") from err
    except OSError as err:
        raise SheetsError(f"Google Sheets: cannot read the key {path}: {err.strerror or err}") from err
    except ValueError as err:
        raise SheetsError(f"Google Sheets: {path} is not a JSON key file") from err
    needed = ("client_email", "private_key", "token_uri")
    if not isinstance(info, dict) or info.get("type") != "service_account" or not all(info.get(k) for k in needed):
        raise SheetsError(
            f"Google Sheets: {path} is not a service-account key; create a JSON key for a service account "
            "(see README, Google Sheets)"
        )
    return Key(path, info)


class Deadline:
    """The Sheets step's time budget: each request gets a timeout that fits in what is left."""

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self.end = time.monotonic() + budget_s

    def timeout(self) -> tuple[float, float]:
        left = self.end - time.monotonic()
        if left < 1:
            raise OutOfTimeError(f"Google Sheets: stopped after {self.budget_s:g} s; the rows wait for the next cycle")
        return min(CONNECT_TIMEOUT_S, left), min(READ_TIMEOUT_S, left)


class Tokens:
    """An OAuth access token for the key, kept on disk (0600) until shortly before it expires."""

    def __init__(self, key: Key, folder: Path, session: requests.Session, deadline: Deadline, now: datetime):
        self.key, self.session, self.deadline, self.now = key, session, deadline, now
        self.path = folder / TOKEN_FILE
        self._token: str | None = None

    def _key_id(self) -> str:
        return f"{self.key.client_email}/{self.key.info.get('private_key_id', '')}"

    def token(self) -> str:
        if self._token is None:
            self._token = self._cached() or self._fetch()
        return self._token

    def discard(self) -> None:
        self._token = None
        self.path.unlink(missing_ok=True)

    def _cached(self) -> str | None:
        try:
            document = json.loads(self.path.read_bytes())
            expires_at = datetime.fromisoformat(document["expires_at"])
            # The upper bound catches a clock that jumped back since the token was stored.
            if document["key"] == self._key_id() and self.now < expires_at <= self.now + timedelta(hours=1):
                return str(document["access_token"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def _fetch(self) -> str:
        from google.auth.transport.requests import Request
        from google.oauth2 import service_account

        try:
            credentials = service_account.Credentials.from_service_account_info(self.key.info, scopes=SCOPES)
        except ValueError as err:
            raise SheetsError(f"Google Sheets: {self.key.path} holds no usable private key") from err
        google_request = Request(self.session)

        def timed_request(*args: Any, **kwargs: Any) -> Any:
            kwargs["timeout"] = self.deadline.timeout()
            left_s = self.deadline.end - time.monotonic()
            return within(left_s, lambda: google_request(*args, **kwargs), self.deadline.budget_s)

        # refresh() itself, not before_request(): no background iamcredentials call is started.
        credentials.refresh(timed_request)
        lifetime = timedelta(hours=1)
        if credentials.expiry is not None:
            lifetime = credentials.expiry.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
        document = {
            "key": self._key_id(),
            "access_token": credentials.token,
            "expires_at": (self.now + lifetime - TOKEN_MARGIN).isoformat(),
        }
        atomic_write(self.path, json.dumps(document).encode())
        return str(credentials.token)


class GoogleSession:
    """What gspread's HTTPClient sends through: the run's session, a bearer token, a bounded timeout.

    A 401 (token revoked or expired early) gets one retry with a fresh token; a 401 means nothing was done.
    """

    def __init__(self, session: requests.Session, tokens: Tokens, deadline: Deadline) -> None:
        self.session, self.tokens, self.deadline = session, tokens, deadline

    def request(self, method: str, url: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        kwargs.pop("timeout", None)
        for attempt in (1, 2):
            auth = {**(headers or {}), "Authorization": f"Bearer {self.tokens.token()}"}
            response = self._request(method, url, auth, kwargs)
            if response.status_code != 401 or attempt == 2:
                return response
            self.tokens.discard()
        raise AssertionError("unreachable")

    def _request(self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]) -> Any:
        """One request, its whole answer (a trickled one too) within what is left of the budget."""
        timeout = self.deadline.timeout()
        left_s = self.deadline.end - time.monotonic()
        work = lambda: self.session.request(method, url, headers=headers, timeout=timeout, **kwargs)  # noqa: E731
        return within(left_s, work, self.deadline.budget_s)
