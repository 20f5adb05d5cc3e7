"""The push channels' settings (NOTIFY_URLS and its limits) as one small record, and how a channel is named: its
outbox's folder (a digest of the URL) and its label for people (the scheme and a real host name, nothing else,
since an Apprise URL carries its token in the host, the path or the user part). Pure.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from pvs6sup.core.records import FrozenRecord

# Apprise URLs are split by spaces, or by commas followed by another scheme (a query may hold commas: mailto's to=).
_SPLIT = re.compile(r"\s+|,\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S")
_IP = re.compile(r"\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]")
_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
MIN_TOKEN = 6  # a path part this long or longer may be a token (an ntfy topic, a webhook's key): masked in logs
EMAIL = "email"  # the email channel's name (its outbox is alerts-outbox/, its state beside the push channels')


class NotifySettings(FrozenRecord):
    """The push channels: their URLs, how long an undelivered message is kept, and one channel's time per cycle."""

    urls: tuple[str, ...]
    max_age_s: float = 3 * 86400.0
    timeout_s: float = 20.0

    def __repr__(self) -> str:  # the URLs are secrets
        return f"NotifySettings(urls={[label(u) for u in self.urls]!r}, max_age_s={self.max_age_s!r})"


def split_urls(text: str | None) -> tuple[str, ...]:
    """NOTIFY_URLS as a tuple of URLs (duplicates once)."""
    return tuple(dict.fromkeys(part.strip() for part in _SPLIT.split(text or "") if part.strip()))


def url_problem(url: str) -> str | None:
    """What is wrong with one URL at a glance (Apprise itself judges the rest when it first sends), or None."""
    if not _SCHEME.match(url):
        return "an entry without a scheme:// is not an Apprise URL (write it as e.g. ntfy://ntfy.sh/my-topic)"
    return None


def channel_name(url: str) -> str:
    """The folder of the channel's outbox under DATA_DIR/outbox/: stable for a URL, and revealing nothing of it."""
    import hashlib  # only when a channel is used

    return "notify-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]


def label(url: str) -> str:
    """The channel as it may be shown: 'ntfy at ntfy.sh', 'json at 127.0.0.1:8080', 'tgram 3f9a1c' (a token
    where the host would be: the channel's digest instead). Never the URL's own start, which the log filter masks
    as the start of a secret."""
    scheme = url.partition("://")[0] if "://" in url else "?"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        host = port = ""
    if _HOST.fullmatch(host) or _IP.fullmatch(host) or host == "localhost":
        return f"{scheme} at {host}{port}"
    return f"{scheme} {channel_name(url)[-6:]}"


def url_secrets(url: str) -> list[str]:
    """Everything of an Apprise URL that may be a secret (secrets.every_form adds the forms they travel in): the
    URL, its password and long user, its host when not a host name (a bot token), each long path part and query
    value."""
    found = [url]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return found
    if parts.password:
        found.append(unquote(parts.password))
    if parts.username and len(parts.username) >= MIN_TOKEN:
        found.append(unquote(parts.username))
    if host and not (_HOST.fullmatch(host) or _IP.fullmatch(host) or host == "localhost"):
        found.append(parts.netloc.rpartition("@")[2])
    found += [unquote(p) for p in parts.path.split("/") if len(p) >= MIN_TOKEN]
    for pair in parts.query.split("&"):
        value = unquote(pair.partition("=")[2])
        if len(value) >= MIN_TOKEN:
            found.append(value)
    return found
