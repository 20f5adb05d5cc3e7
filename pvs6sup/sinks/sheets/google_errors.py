"""What Google's answers mean for Sheets delivery: whether a failed append surely did not land, how long
Google asked us to wait, and one line for the owner saying what went wrong and what fixes it."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from pvs6sup.sinks.sheets.google_auth import Key, OutOfTimeError

MAX_RETRY_AFTER = timedelta(hours=6)


def status_of(err: BaseException) -> int | None:
    response = getattr(err, "response", None)
    return getattr(response, "status_code", None)


def surely_not_applied(err: BaseException) -> bool:
    """Google answered with a 4xx (rejected, rate-limited), or nothing was sent at all."""
    status = status_of(err)
    return isinstance(err, OutOfTimeError) or (status is not None and 400 <= status < 500)


def retry_after(err: BaseException, now: datetime) -> datetime | None:
    response = getattr(err, "response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        delay = timedelta(seconds=max(0.0, float(value)))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            delay = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return now + min(delay, MAX_RETRY_AFTER)


def _api_message(err: BaseException) -> str:
    error = getattr(err, "error", None)
    message = error.get("message", "") if isinstance(error, dict) else ""
    return " ".join(str(message).split())[:160]


def explain(err: BaseException, key: Key, sheet_id: str, waiting: str) -> str:
    """One line saying what went wrong and what fixes it."""
    from google.auth import exceptions as auth_errors

    sheet = sheet_id[:6] + "…"
    status = status_of(err)
    if isinstance(err, auth_errors.RefreshError):
        reason = str(err.args[0] if err.args else err)[:120]
        if getattr(err, "retryable", False):
            return f"Google Sheets: Google's token service is unavailable ({reason}); {waiting}"
        return (
            f"Google Sheets: Google refused the service-account key ({reason}); check the Pi's clock, or create a "
            f"new key for {key.client_email} and point GOOGLE_SERVICE_ACCOUNT_FILE at it; {waiting}"
        )
    if isinstance(err, auth_errors.TransportError):
        return f"Google Sheets: cannot reach Google's token service ({type(err.__cause__ or err).__name__}); {waiting}"
    if isinstance(err, requests.Timeout):
        return f"Google Sheets: no answer from Google in time; {waiting}"
    if isinstance(err, requests.RequestException):
        return f"Google Sheets: cannot reach Google ({type(err).__name__}); {waiting}"
    message = _api_message(err)
    if status == 403 and ("disabled" in message or "has not been used" in message):
        return (
            "Google Sheets: the Google Sheets API is not enabled for the key's project; enable it at "
            f"https://console.cloud.google.com/apis/library/sheets.googleapis.com; {waiting}"
        )
    if status == 403:
        return f"Google Sheets: no access to spreadsheet {sheet}: share it with {key.client_email} as Editor; {waiting}"
    if status == 404:
        return f"Google Sheets: no spreadsheet {sheet}; check GOOGLE_SHEET_ID; {waiting}"
    if status == 429:
        return f"Google Sheets: Google asks us to slow down (HTTP 429); {waiting}"
    if status is not None and status >= 500:
        return f"Google Sheets: Google answered HTTP {status}; {waiting}"
    return f"Google Sheets: HTTP {status}: {message or 'rejected'}; {waiting}"
