"""What a setting is: its kind, default, group, help and secrecy (Setting), a group of them (Group), and what a
kind accepts, in words. settings/table.py lists the settings themselves.
"""

from __future__ import annotations

# Kinds: text, whole (a whole number in low..high), number (low..high), choice, flag (0|1), path, url,
# zone (IANA time zone), list (comma-separated), rows (';' between rows, ',' between members).
KIND_TEXT = {
    "text": "text",
    "whole": "a whole number",
    "number": "a number",
    "choice": "one of",
    "flag": "0 or 1",
    "path": "a file path",
    "url": "an http(s):// URL",
    "zone": "an IANA time zone",
    "list": "a comma-separated list",
    "rows": "groups split by ';', members by ','",
}


class Setting:
    """One setting. (A plain class: there are 59 of them, and a dataclass would cost every cron run its
    class-building and the dataclasses import.)"""

    __slots__ = (
        "choices",
        "default",
        "group",
        "help",
        "high",
        "kind",
        "low",
        "name",
        "secret",
        "shown_default",
        "unit",
    )

    def __init__(
        self,
        name: str,
        kind: str,
        default: str,  # as written in config.example.env; "" = none (see shown_default)
        group: str,
        help: str,  # one or two lines: README's "what" and the comment in config.example.env
        *,
        low: float | None = None,
        high: float | None = None,
        choices: tuple[str, ...] = (),
        shown_default: str = "",  # README's default when it is not a literal value ("the host name", ...)
        secret: bool = False,  # masked in every log, shown only as "set"
        unit: str = "",  # of a number: "seconds", "minutes", "days", "decimal degrees"
    ) -> None:
        self.name, self.kind, self.default, self.group, self.help = name, kind, default, group, help
        self.low, self.high, self.choices, self.unit = low, high, choices, unit
        self.shown_default, self.secret = shown_default, secret

    def __repr__(self) -> str:
        return f"Setting({self.name!r}, {self.kind!r}, {self.default!r})"


class Group:
    """A group of settings: a section of config.example.env and a table in README."""

    __slots__ = ("enabled_by", "intro", "name")

    def __init__(self, name: str, intro: str, enabled_by: tuple[str, ...] = ()) -> None:
        self.name = name
        self.intro = intro  # the comment above the group in config.example.env, the text above its README table
        self.enabled_by = enabled_by  # off while all of these are unset (check prints "off")


def allowed(setting: Setting) -> str:
    """What a setting accepts, for its one-line problem and the docs."""
    if setting.kind == "choice":
        return "one of " + ", ".join(setting.choices)
    if setting.kind in ("whole", "number") and setting.low is not None and setting.high is not None:
        unit = f" of {setting.unit}" if setting.unit else ""
        return f"{KIND_TEXT[setting.kind]}{unit} from {setting.low:g} to {setting.high:g}"
    return KIND_TEXT[setting.kind]
