"""Alert lifecycle: judgements in, events out. Pure.

An incident is raised once (one email), reminded at most daily while it lasts, and resolved once after
it has been judged clean for several readings in a row (flapping damped). Conditions on one inverter
form ONE incident named after the most specific condition (a dead inverter is offline, not also
underperforming). An incident that cannot be judged (night) simply stays as it is.
"""

from __future__ import annotations

from datetime import datetime

from pvs6sup.alerts.detectors import SPECIFICITY, Judgement
from pvs6sup.alerts.diagnosis import UNKNOWN
from pvs6sup.core.records import FrozenRecord, Record, replace

CLEAR_AFTER = 3  # clean judgements in a row before an incident is resolved
REMIND_AFTER_S = 24 * 3600


class Incident(Record):
    """An active alert."""

    kind: str
    serial: str | None
    message: str
    detail: str
    raised_at: datetime
    notified_at: datetime
    clean_streak: int = 0
    cause: str = ""  # the likely cause as last told (alerts/diagnosis.py), "" for a site condition
    evidence: str = ""
    lost_kwh: float | None = None  # energy lost over the incident (None: not counted, e.g. a site condition)


class Event(FrozenRecord):
    """Something to tell the user: event is 'raised', 'reminder' or 'resolved'."""

    time: datetime
    event: str
    kind: str
    serial: str | None
    message: str
    detail: str = ""
    raised_at: datetime | None = None  # a reminder's or a resolution's incident began then
    cause: str = ""  # the incident's likely cause and the figures behind it (alerts/diagnosis.py)
    evidence: str = ""
    lost_kwh: float | None = None  # energy lost so far over the incident

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "time": self.time.isoformat(),
            "event": self.event,
            "kind": self.kind,
            "serial": self.serial,
            "message": self.message,
        }
        if self.cause:
            out["cause"], out["evidence"] = self.cause, self.evidence
        if self.lost_kwh is not None:
            out["lost_kwh"] = round(self.lost_kwh, 3)
        return out


def _told(incident: Incident, now: datetime, event: str, raised_at: datetime | None = None) -> Event:
    """An event about an incident, with its cause and energy lost as they stand."""
    return Event(
        now,
        event,
        incident.kind,
        incident.serial,
        incident.message,
        incident.detail,
        raised_at,
        incident.cause,
        incident.evidence,
        incident.lost_kwh,
    )


def _learn(incident: Incident, judgement: Judgement) -> None:
    """Add a firing judgement's energy lost, and its cause while the incident's is not known yet. A known cause
    stays: after a repair the charts fall over some readings, and a panel low until noon and fine after it would
    read as shade."""
    if judgement.lost_kwh is not None:
        incident.lost_kwh = (incident.lost_kwh or 0.0) + judgement.lost_kwh
    if not judgement.cause or incident.cause not in ("", UNKNOWN, judgement.cause):
        return
    incident.cause, incident.evidence = judgement.cause, judgement.evidence


def incident_key(judgement: Judgement) -> str:
    """Inverter conditions share one key per inverter; site conditions have their own."""
    if judgement.serial is not None:
        return f"inverter:{judgement.serial}"
    return judgement.kind


def _rank(kind: str) -> int:
    return SPECIFICITY.index(kind) if kind in SPECIFICITY else len(SPECIFICITY)


def update(
    incidents: dict[str, Incident],
    judgements: list[Judgement],
    now: datetime,
    clear_after: int = CLEAR_AFTER,
    remind_after_s: float = REMIND_AFTER_S,
) -> list[Event]:
    """Apply one cycle's judgements to the active incidents (in place) and return the events."""
    firing: dict[str, Judgement] = {}
    clean: set[tuple[str, str | None]] = set()  # (kind, serial) judged clean: what an active incident asks
    for judgement in judgements:
        if judgement.firing:
            key = incident_key(judgement)
            best = firing.get(key)
            if best is None or _rank(judgement.kind) < _rank(best.kind):
                firing[key] = judgement
        elif incidents:
            clean.add((judgement.kind, judgement.serial))

    events: list[Event] = []
    for key, judgement in firing.items():
        incident = incidents.get(key)
        if incident is None:
            incident = incidents[key] = Incident(
                judgement.kind, judgement.serial, judgement.message, judgement.detail, now, now
            )
            _learn(incident, judgement)
            events.append(_told(incident, now, "raised"))
            continue
        incident.clean_streak = 0
        _learn(incident, judgement)
        # An inverter's figures stay those of the moment it was raised (the report's banner and the reminders
        # quote them): a week later the latest reading is dusk, and misleading. A site condition (which
        # targets are behind) is told as it is now.
        if judgement.serial is None or _rank(judgement.kind) < _rank(incident.kind):
            incident.message, incident.detail = judgement.message, judgement.detail
        if _rank(judgement.kind) < _rank(incident.kind):  # it got worse: say so once, under the new name
            incident.kind, incident.notified_at = judgement.kind, now
            events.append(_told(incident, now, "raised"))
        elif (now - incident.notified_at).total_seconds() >= remind_after_s:
            incident.notified_at = now
            events.append(_told(incident, now, "reminder", incident.raised_at))

    for key, incident in list(incidents.items()):
        if key in firing or (incident.kind, incident.serial) not in clean:
            continue  # still firing, or its own condition could not be judged this time
        incident.clean_streak += 1
        if incident.clean_streak >= clear_after:
            del incidents[key]
            told = _told(incident, now, "resolved", incident.raised_at)
            events.append(replace(told, message=f"Fine again. When it was raised: {incident.message}"))
    return events
