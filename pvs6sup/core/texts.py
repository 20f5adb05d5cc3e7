"""How figures read to a person in a terminal, an email or the report. Pure."""

from __future__ import annotations


def age_text(seconds: float | None) -> str:
    """'45 s', '12 min', '3 h', '2 d'; '?' when unknown."""
    if seconds is None:
        return "?"
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit != "min" else 1):
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"
