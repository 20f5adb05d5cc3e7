"""A real SMTP server on 127.0.0.1 (aiosmtpd) for tests: plain, STARTTLS or implicit TLS, with optional AUTH."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.selfsigned import self_signed

USER, PASSWORD = "alerts@example.invalid", "app-password-X000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert, key) PEM files."""
    cert_file, key_file, _ = self_signed(folder, "localhost", for_localhost=True)
    return cert_file, key_file


@dataclass
class Inbox:
    """What the server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: a refusal gets its 535 reply


def start_server(mode: str, cert: tuple[Path, Path] | None = None, auth: bool = False) -> tuple[Controller, Inbox]:
    """mode: 'none' (plain), 'starttls' or 'ssl' (implicit TLS). Stop the controller when done."""
    inbox = Inbox()
    kwargs: dict[str, Any] = {}  # Controller's keyword arguments, each of its own type
    server_context = None
    if cert is not None:
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(*cert)
    if mode == "starttls":
        kwargs.update(tls_context=server_context, require_starttls=True)
    if auth:
        kwargs.update(authenticator=authenticator, auth_required=True)
        if mode == "ssl":
            kwargs.update(auth_require_tls=False)
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        ssl_context=server_context if mode == "ssl" else None,
        **kwargs,
    )
    controller.start()
    return controller, inbox


def mail_env(port: int) -> dict[str, str]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "ALERT_EMAIL_FROM": "pvs@example.invalid",
        "ALERT_EMAIL_TO": "owner@example.invalid",
        "SITE_NAME": "Roof",
    }
