"""Secrets kept out of text: the forms the program itself sends them in, URLs shown without credentials, and
quotes of a server's answer scrubbed before they are cut (a cut must not leave the start of a secret)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

MASK = "***"
MIN_PREFIX = 4  # a cut quote ending in this much of a secret's start is masked too
_QUERY_SECRETS = ("token", "key", "pass", "secret", "auth", "sig")  # query parameters whose values are secret


def basic_auth(user: str, password: str) -> str:
    """The base64 of user:password, as an HTTP basic-auth header carries it."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def forms(secret: str) -> list[str]:
    """A secret as this program may send it: as is, percent-encoded (in a URL or a form) and in base64."""
    found = [secret, quote(secret, safe=""), quote(secret, safe="").replace("%20", "+")]
    found.append(base64.b64encode(secret.encode()).decode("ascii").rstrip("="))
    return list(dict.fromkeys(f for f in found if f))


def url_secrets(url: str) -> list[str]:
    """The credentials inside a URL (user:password@, secret-looking query values) in every form they travel in."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return []
    found: list[str] = []
    if parts.password:
        password = unquote(parts.password)
        found += [parts.password, *forms(password), basic_auth(unquote(parts.username or ""), password)]
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if value and any(word in name.lower() for word in _QUERY_SECRETS):
            found += forms(value)
    return found


def shown_url(url: str) -> str:
    """The URL as it may be shown: a password and secret-looking query values replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:{MASK}@{netloc.rpartition('@')[2]}"
    query = "&".join(
        f"{name}={MASK if value and any(w in name.lower() for w in _QUERY_SECRETS) else quote(value)}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def every_form(found: Iterable[str], values: Mapping[str, str | None]) -> list[str]:
    """The secret settings' values in every form they are sent in, the credentials inside any URL setting, and
    the basic-auth header of each user and password pair (INFLUX_USERNAME / INFLUX_PASSWORD)."""
    result = [form for secret in found for form in forms(secret)]
    for value in values.values():
        if value and "://" in value:
            result += url_secrets(value)
    user, password = (values.get("INFLUX_USERNAME") or "").strip(), (values.get("INFLUX_PASSWORD") or "").strip()
    if user and password:
        result.append(basic_auth(user, password))
    return [s for s in result if len(s) >= MIN_PREFIX]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """text with every secret replaced by ***, and any start of one (MIN_PREFIX characters or more) that ends
    where the text or a word ends: what a quote cut in the middle of a secret leaves."""
    candidates = sorted({s for s in secrets if s and len(s) >= MIN_PREFIX}, key=len, reverse=True)
    for secret in candidates:
        text = text.replace(secret, MASK)
    for secret in candidates:
        floor = _floor(secret)
        head = secret[:MIN_PREFIX]
        start = text.find(head)
        while start != -1:
            length = _common_prefix(text, start, secret)
            end = start + length
            if length >= floor and (end == len(text) or not text[end].isalnum()):
                text = text[:start] + MASK + text[end:]
            start = text.find(head, start + 1)
    return text


def cut(text: str, secrets: Iterable[str], limit: int) -> str:
    """One line of at most `limit` characters, scrubbed before it is cut (so no cut leaves part of a secret)."""
    return " ".join(scrub(text, secrets).split())[:limit]


def _floor(secret: str) -> int:
    """How much of a secret's start must show to be masked: past a URL's scheme (a secret HEALTHCHECK_URL must not
    mask every "https:" in the log), else MIN_PREFIX characters."""
    for separator in ("://", "%3A%2F%2F"):  # a URL as is, or percent-encoded
        scheme = secret.find(separator)
        if 0 < scheme < 10:
            return scheme + len(separator) + MIN_PREFIX
    return MIN_PREFIX


def _common_prefix(text: str, start: int, secret: str) -> int:
    length = 0
    while length < len(secret) and start + length < len(text) and text[start + length] == secret[length]:
        length += 1
    return length
