"""Sending email over SMTP: STARTTLS, implicit TLS or plain, certificates verified, with a timeout."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from .errors import DeliveryError


class MailError(DeliveryError):
    """An email could not be sent; it stays queued for the next cycle."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls | ssl | none
    user: str | None
    password: str | None = field(repr=False)
    timeout_s: float = 30.0


def probe(settings: SmtpSettings, context: ssl.SSLContext | None = None) -> None:
    """Connect, secure and log in without sending anything (the check command)."""
    send(settings, None, context)


def send(settings: SmtpSettings, message: EmailMessage | None, context: ssl.SSLContext | None = None) -> None:
    """Send one message (None: only log in); MailError (one line, no secret) if it cannot be.

    smtplib verifies nothing unless given a context, so a verifying default context is always passed.
    """
    context = context or ssl.create_default_context()
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_s, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.user:
                client.login(settings.user, settings.password or "")
            if message is not None:
                client.send_message(message)
    except smtplib.SMTPAuthenticationError as err:
        raise MailError(
            f"the mail server {settings.host} refused SMTP_USER/SMTP_PASSWORD ({err.smtp_code}); "
            "for Gmail use an App Password"
        ) from err
    except smtplib.SMTPNotSupportedError as err:
        raise MailError(f"the mail server {settings.host} does not support this: {err} (check SMTP_SECURITY)") from err
    except ssl.SSLCertVerificationError as err:
        raise MailError(f"the certificate of {settings.host} could not be verified: {err.verify_message}") from err
    except (smtplib.SMTPException, OSError) as err:
        reason = str(err) or type(err).__name__
        raise MailError(f"cannot send email via {settings.host}:{settings.port}: {reason}") from err
