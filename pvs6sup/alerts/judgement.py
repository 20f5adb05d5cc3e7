"""What a detector says about one condition in one cycle: the incident kinds and the Judgement record. Pure."""

from __future__ import annotations

from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.values import remembered

OFFLINE = "inverter_offline"
UNDERPERFORMING = "inverter_underperforming"
PVS_UNREACHABLE = "pvs_unreachable"
NO_PRODUCTION = "no_production"
DELIVERY_BACKLOG = "delivery_backlog"
INVERTERS_STALLED = "inverters_stalled"  # the PVS answers, but its inverters' reports stand still
METERS_STALLED = "meters_stalled"  # the PVS answers and the inverters report, but the meters stand still
# When several conditions hold for one inverter, the incident is named after the most specific one.
SPECIFICITY = (OFFLINE, UNDERPERFORMING)


class Judgement(FrozenRecord):
    """One incident's verdict this cycle. serial is None for site-wide conditions."""

    kind: str
    serial: str | None
    firing: bool
    message: str = ""
    detail: str = ""  # what the subject shows after the name, e.g. "0 W vs 287 W median"
    cause: str = ""  # an inverter's likely cause (alerts/diagnosis.py), "" when not diagnosed
    evidence: str = ""  # ...and the figures behind it, in an owner's words
    lost_kwh: float | None = None  # energy lost since the last judgement that counted it (None: not counted)


_clean: dict[tuple[str, str | None], Judgement] = {}


def clean(kind: str, serial: str | None = None) -> Judgement:
    """The verdict that `kind` does not hold (for `serial`): one shared record for each pair, since every
    reading judges every inverter clean or not, and a replay reads thousands of them (records are immutable)."""
    found = _clean.get((kind, serial))
    return remembered(_clean, (kind, serial), _clean_of) if found is None else found


def _clean_of(key: tuple[str, str | None]) -> Judgement:
    return Judgement(key[0], key[1], False)
