"""Authenticated HTTP to a new-firmware PVS: certificate pinning, login, and the reused session cookie.

- HTTPS: the PVS's certificate is self-signed, so instead of a CA its SHA-256 fingerprint is pinned on
  first use (DATA_DIR/pvs-certificate.sha256) and every later connection must present the same one;
  the check is made during the TLS handshake, before any request (or password) is sent. A pin file that
  is damaged (not a fingerprint) is set aside and the certificate pinned again, with a warning.
- Login: GET /auth?login with Basic ssm_owner:<last 5 of the PVS serial>; the session cookie it
  sets is kept in DATA_DIR/pvs-session (0600) and reused by later cycles. The cookie is sent by hand
  (not from a cookie jar) because the PVS marks it Secure, which a jar would withhold over plain http.
- On 401/403/500 (or an empty 200, which old varservers sent for a dead session) the client logs in
  again, once per cycle, and retries once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import ssl
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from pvs6sup.errors import PVSError, PVSRefusedError, PVSUnreachableError
from pvs6sup.net.deadline import DeadlineExceeded, call_within
from pvs6sup.pvs import http
from pvs6sup.store.files import atomic_write
from pvs6sup.store.statefile import load_state

log = logging.getLogger(__name__)

PIN_FILE = "pvs-certificate.sha256"
SESSION_FILE = "pvs-session"
LOGIN_PATH = "/auth?login"
LOGIN_USER = "ssm_owner"  # "spwr_owner" before 2025-07-15
SESSION_DEAD = (401, 403, 500)
_FINGERPRINT = re.compile(r"[0-9A-F]{2}(:[0-9A-F]{2}){31}")
_TOKEN = re.compile(r"[!#-+\--:<-\[\]-~]{1,4096}")  # a cookie value: printable ASCII, no space, quote, comma, ; or \\


class AuthenticationError(PVSError):
    """The PVS refused the login: the password (last 5 characters of its serial) is wrong."""


class CertificateChangedError(PVSError):
    """The PVS presented another HTTPS certificate than the pinned one."""


# --- certificate pinning ------------------------------------------------------------------------
def certificate_fingerprint(host: str, port: int, timeout_s: float) -> str:
    """SHA-256 of the certificate the server at host:port presents, as AA:BB:… (no CA check)."""
    # call_within bounds the whole handshake, a trickle too. The socket's own timeout is longer, so that a stall
    # is told one way, as the whole's deadline (with equal timeouts, which fired first depended on the load).
    read_timeout_s = 2 * timeout_s
    try:
        pem = call_within(
            timeout_s, lambda: ssl.get_server_certificate((host, port), timeout=read_timeout_s), "TLS pin"
        )
    except DeadlineExceeded as err:
        late = f"the PVS at https://{host}:{port} did not finish its TLS handshake within {timeout_s:g} s"
        raise PVSUnreachableError(late) from err
    except (OSError, ssl.SSLError) as err:
        raise PVSUnreachableError(f"cannot reach the PVS at https://{host}:{port}: {err.__class__.__name__}") from err
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


class PinnedAdapter(HTTPAdapter):
    """Accepts exactly one certificate, by fingerprint, checked by urllib3 during the handshake."""

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["assert_fingerprint"] = self.fingerprint.replace(":", "").lower()
        kwargs["cert_reqs"] = "CERT_NONE"
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:  # type: ignore[override]
        kwargs["verify"] = False  # no CA can vouch for a self-signed certificate: the fingerprint does
        return super().send(request, **kwargs)  # type: ignore[arg-type]


def pin(session: requests.Session, base_url: str, data_dir: Path, timeout_s: float) -> Path | None:
    """Mount the pinning adapter for an https base_url, pinning the certificate on first use."""
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        return None
    pin_file = data_dir / PIN_FILE
    fresh = "the certificate is pinned again now"
    fingerprint = load_state(pin_file, decode_pin, "PVS certificate pin", fresh, data_dir)
    if fingerprint is None:
        fingerprint = certificate_fingerprint(parts.hostname or "", parts.port or 443, min(timeout_s, 30))
        atomic_write(pin_file, f"{fingerprint}\n# the PVS's HTTPS certificate, pinned on first use\n".encode())
        log.info("pinned the PVS's HTTPS certificate (SHA-256 %s) in %s", fingerprint, pin_file)
    session.mount(base_url.rstrip("/") + "/", PinnedAdapter(fingerprint))
    return pin_file


def decode_pin(data: bytes) -> str:
    """The fingerprint on a pin file's first line; ValueError when it is not one."""
    first = data.decode("ascii").strip().partition("\n")[0].strip().upper()
    if not _FINGERPRINT.fullmatch(first):
        raise ValueError("not a SHA-256 fingerprint")
    return first


def decode_token(data: bytes) -> str:
    """The session cookie in the session file; ValueError when it is not one a header can carry."""
    token = data.decode("ascii").strip()
    if not _TOKEN.fullmatch(token):
        raise ValueError("not a session cookie")
    return token


def raise_if_certificate_changed(err: PVSError, base_url: str, pin_file: Path | None) -> None:
    """Turn a failed fingerprint check into CertificateChangedError (exit 1, nothing recorded)."""
    cause = err.__cause__
    if pin_file is not None and isinstance(cause, requests.exceptions.SSLError) and "fingerprint" in str(cause).lower():
        raise CertificateChangedError(
            f"the PVS at {base_url} presented a different HTTPS certificate from the one pinned in {pin_file}; "
            "nothing was sent or recorded. If the PVS was replaced or reset, delete that file to pin the new "
            "certificate on the next run"
        ) from err


# --- login and the session ----------------------------------------------------------------------
class VarsClient:
    """GETs on the PVS with the session cookie: logs in when needed, at most once per instance (cycle)."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        data_dir: Path,
        timeout_s: float,
        password: Callable[[], tuple[str, str]],
        pin_file: Path | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url
        self.data_dir = data_dir
        self.timeout_s = timeout_s
        self.password = password  # () -> (password, where it came from); called only to log in
        self.pin_file = pin_file
        self.logins = 0
        self._token: str | None = self._read_token()

    @property
    def session_file(self) -> Path:
        return self.data_dir / SESSION_FILE

    def _read_token(self) -> str | None:
        fresh = "the PVS will be logged in to again"
        return load_state(self.session_file, decode_token, "PVS session", fresh, self.data_dir)

    def _get(self, path: str, **kwargs: object) -> http.Answer:
        try:
            return http.get(self.session, self.base_url, path, self.timeout_s, **kwargs)
        except PVSUnreachableError as err:
            raise_if_certificate_changed(err, self.base_url, self.pin_file)
            raise

    def login(self) -> None:
        """GET /auth?login with the Basic header; keep the session cookie in a 0600 file."""
        if self.logins:
            raise PVSRefusedError("the PVS refused the new session right after logging in", 401)
        password, source = self.password()
        self.logins += 1
        answer = self._get(LOGIN_PATH, auth=(LOGIN_USER, password))
        jar_token = self.session.cookies.get("session")
        with contextlib.suppress(KeyError):
            del self.session.cookies["session"]  # it is sent by hand; never twice
        if answer.status_code in (401, 403):
            self._forget()
            raise AuthenticationError(
                f"authentication failed: the PVS refused the login (HTTP {answer.status_code}) with the password "
                f"from {source}; check PVS_SERIAL (the PVS's serial: its last 5 characters are the password) "
                "or set PVS_PASSWORD"
            )
        http.require_ok(answer)
        token = _token_from(answer.body) or jar_token
        if not token:
            raise PVSRefusedError("the PVS accepted the login but sent no session", answer.status_code)
        if not _TOKEN.fullmatch(token):  # a newline or non-ASCII: no HTTP header can carry it
            raise PVSRefusedError("the PVS accepted the login but sent a session that cannot be sent back", 200)
        self._token = token
        atomic_write(self.session_file, token.encode() + b"\n")
        log.debug("logged in to the PVS; session kept in %s", self.session_file)

    def _forget(self) -> None:
        self._token = None
        with contextlib.suppress(OSError):
            os.unlink(self.session_file)

    def get(self, path: str) -> http.Answer:
        """GET path with the session, logging in first (no session yet) or once more (session dead)."""
        if self._token is None:
            self.login()
        answer = self._get(path, cookies={"session": self._token})
        if _session_dead(answer) and not self.logins:
            log.debug("the PVS refused the stored session (HTTP %d); logging in again", answer.status_code)
            self.login()
            answer = self._get(path, cookies={"session": self._token})
        return answer


def _session_dead(answer: http.Answer) -> bool:
    return answer.status_code in SESSION_DEAD or (answer.status_code == 200 and not answer.body.strip())


def _token_from(body: bytes) -> str | None:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    token = document.get("session") if isinstance(document, dict) else None
    return token.strip() if isinstance(token, str) and token.strip() else None
