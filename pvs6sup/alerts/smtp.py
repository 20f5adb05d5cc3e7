"""Sending email over SMTP: STARTTLS, implicit TLS or plain, certificates verified, the whole conversation
within SMTP_TIMEOUT."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
from email.message import EmailMessage

from pvs6sup.errors import DeliveryError
from pvs6sup.settings.config import EmailSettings


class MailError(DeliveryError):
    """An email could not be sent; it stays queued for the next cycle."""


class MailRefusedError(MailError):
    """The server refused this email for good (a 5xx answer): sending it again would not help."""


def probe(settings: EmailSettings, context: ssl.SSLContext | None = None) -> None:
    """Connect, secure and log in without sending anything (the check command)."""
    send(settings, None, context)


def send(settings: EmailSettings, message: EmailMessage | None, context: ssl.SSLContext | None = None) -> None:
    """Send one message (None: only log in) within settings.timeout_s in all; MailError (one line, no secret) if not.

    MailRefusedError when the server refuses this message for good (5xx to its sender, recipients or data).
    smtplib verifies nothing unless given a context, so a verifying default context is always passed.
    """
    context = context or ssl.create_default_context()
    client = (
        smtplib.SMTP_SSL(timeout=settings.timeout_s, context=context)
        if settings.security == "ssl"
        else smtplib.SMTP(timeout=settings.timeout_s)
    )
    # Connecting after construction lets the cutoff reach the socket while the greeting is read; connect()
    # does not record the host, which TLS checks the certificate against, so it is set here.
    client._host = settings.host  # type: ignore[attr-defined]
    expired = threading.Event()
    cutoff = threading.Timer(settings.timeout_s, _cut, (client, expired))
    cutoff.daemon = True
    cutoff.start()
    try:
        try:
            _converse(client, settings, message, context)
        finally:
            cutoff.cancel()
            client.close()
    except Exception as err:
        if expired.is_set():  # whatever the cut socket made smtplib raise
            raise MailError(
                f"the mail server {settings.host}:{settings.port} did not finish within {settings.timeout_s:g} s "
                "(SMTP_TIMEOUT)"
            ) from err
        raise _mail_error(settings, err) from err


def _converse(
    client: smtplib.SMTP, settings: EmailSettings, message: EmailMessage | None, context: ssl.SSLContext
) -> None:
    assert settings.host is not None  # email is on: the settings checked it
    code, greeting = client.connect(settings.host, settings.port)
    if code != 220:  # as SMTP(host) checks; a greeting cut off at the deadline ends here too
        raise smtplib.SMTPConnectError(code, greeting)
    if settings.security == "starttls":
        client.starttls(context=context)
    if settings.user:
        client.login(settings.user, settings.password or "")
    if message is not None:
        client.send_message(message)
    with contextlib.suppress(smtplib.SMTPServerDisconnected):  # sent: a server hanging up before QUIT is fine
        client.quit()


def _cut(client: smtplib.SMTP, expired: threading.Event) -> None:
    """At the deadline: shut the socket down, which ends whatever read the sending thread is blocked in."""
    expired.set()
    sock = getattr(client, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # the plain socket's shutdown: an SSL one's would unwrap it first
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _permanent(code: int) -> bool:
    return 500 <= code < 600


def _mail_error(settings: EmailSettings, err: Exception) -> MailError:
    where = f"{settings.host}:{settings.port}"
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return MailError(
            f"the mail server {settings.host} refused SMTP_USER/SMTP_PASSWORD ({err.smtp_code}); "
            "for Gmail use an App Password"
        )
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(f"{rcpt}: {code} {_text(text)}" for rcpt, (code, text) in err.recipients.items())
        refused = all(_permanent(code) for code, _ in err.recipients.values())
        kind = MailRefusedError if refused else MailError
        return kind(f"the mail server {where} refused the recipients ({answers})")
    if isinstance(err, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        what = "the sender" if isinstance(err, smtplib.SMTPSenderRefused) else "the email"
        answer = f"{err.smtp_code} {_text(err.smtp_error)}"
        return (MailRefusedError if _permanent(err.smtp_code) else MailError)(
            f"the mail server {where} refused {what} ({answer})"
        )
    if isinstance(err, smtplib.SMTPNotSupportedError):
        return MailError(f"the mail server {settings.host} does not support this: {err} (check SMTP_SECURITY)")
    if isinstance(err, ssl.SSLCertVerificationError):
        return MailError(f"the certificate of {settings.host} could not be verified: {err.verify_message}")
    if isinstance(err, (smtplib.SMTPException, OSError)):
        return MailError(f"cannot send email via {where}: {str(err) or type(err).__name__}")
    raise err  # not a mail problem: a bug, and it must be heard as one


def _text(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return " ".join(text.split())[:200]
