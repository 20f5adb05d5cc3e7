"""A stalled stream: the PVS answers, but its inverters' reports (or its meters') stand still. Pure.

The per-inverter stale detector compares each inverter's report time with its siblings'; when most of them
stand still together, none is behind the others and it sees nothing. Here the streams are judged whole:

- the inverters stand still when more than half of their reports are STILL_S old by the PVS's own clock
  (DATATIME / msmtEps against CURTIME; while producing they are a minute old at most). That is a stall when
  the production meter, which reports, counts what the reports that move do not account for (it measures what
  the inverters make, so the PVS should be hearing them), or, with no production meter that reports, in
  daylight while the frozen reports claim production or the meters stand still too. Without that evidence
  (night, a tripped breaker, snow) the inverters are quiet, not stalled;
- the meters stand still when every meter's report is STILL_S old while the inverters' reports move (meters
  report every few seconds, day and night).

Each fires once it has held STALL_S, and is clean as soon as its stream moves. While the inverters are stalled,
observe_reading gives the per-inverter judges nothing (their figures are stale: no false alarm, nothing learned),
and while the meters stand still, no production is judged from the inverters (never from a frozen meter).
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

from pvs6sup.alerts.judgement import INVERTERS_STALLED, METERS_STALLED, Judgement, clean
from pvs6sup.alerts.memory import DetectorState
from pvs6sup.core.models import InverterReading, Reading
from pvs6sup.core.records import FrozenRecord

STILL_S = 10 * 60  # a report this old stands still (inverters report every ~15 s, varserver's at every 5 minutes)
STALL_S = 30 * 60  # how long a stream stands still before it is told (with STILL_S: 40 minutes after it froze)
EVIDENCE_SHARE = 0.05  # unexplained production (or claimed by frozen reports) of at least this share of the best
DAYLIGHT_DEG = 20.0  # without a production meter that reports: the sun this high (as no_production's)...
RISEN_DEG = 10.0  # ...or this high with the meters standing still too (meters report day and night: no doubt then)


class Streams(FrozenRecord):
    """What one reading says about the streams: whether the inverters' figures are stalled (not to be judged),
    whether the meters stand still (production not to be taken from them), and the judgements."""

    inverters_stalled: bool
    meters_still: bool
    frozen: frozenset[str]  # the inverters whose own report stands still: the learned normal takes nothing from them
    judgements: tuple[Judgement, ...]


def _still(measured_at: datetime | None, reference: datetime) -> bool:
    """Whether a report stands still: STILL_S old. One without a time is taken at its word (unknown is not still)."""
    return measured_at is not None and (reference - measured_at).total_seconds() >= STILL_S


def _since_text(moment: datetime, zone: tzinfo | None) -> str:
    from pvs6sup.core.texts import clock_text  # only when a stall is told: the cycle pays for what it imports

    if zone is None:
        return f"since {clock_text(moment, timezone.utc)} UTC"
    return f"since {clock_text(moment, zone)}"


def observe(state: DetectorState, reading: Reading, elevation_deg: float | None, zone: tzinfo | None = None) -> Streams:
    """Judge both streams of this reading; updates the spells in `state`. `elevation_deg` is the sun's (None:
    unknown), `zone` the site's for the times in the messages (None: UTC, said so)."""
    now = reading.fetched_at
    supervisor = reading.devices.supervisor
    reference = supervisor.pvs_time if supervisor is not None and supervisor.pvs_time is not None else now
    inverters = reading.devices.inverters
    frozen: list[InverterReading] = []
    moving: list[InverterReading] = []
    for inv in inverters:
        (frozen if _still(inv.measured_at, reference) else moving).append(inv)
    inverters_still = len(frozen) * 2 > len(inverters)
    timed = [m for m in reading.devices.meters if m.measured_at is not None]
    meters_still = bool(timed) and all(_still(m.measured_at, reference) for m in timed)

    judgements: list[Judgement] = []
    if not inverters or not inverters_still:
        state.inverters_still_since = None
        if inverters:
            judgements.append(clean(INVERTERS_STALLED))
    else:
        counted = _unexplained_kw(reading, moving, reference)
        if counted is None:  # no production meter that reports: the sun, and the frozen reports' own claim
            claimed = sum(inv.power_kw or 0.0 for inv in frozen)
            peak = state.peak_production_kw
            sun = elevation_deg if elevation_deg is not None else -90.0
            claims = peak > 0 and claimed >= EVIDENCE_SHARE * peak
            evidence = (meters_still and sun >= RISEN_DEG) or (claims and sun >= DAYLIGHT_DEG)
        else:
            evidence = state.peak_production_kw > 0 and counted >= EVIDENCE_SHARE * state.peak_production_kw
        if evidence:
            since = state.inverters_still_since = state.inverters_still_since or now
            if (now - since).total_seconds() >= STALL_S:
                judgements.append(_inverters_verdict(frozen, len(inverters), counted, since, now, zone))
    if not timed:
        state.meters_still_since = None
    elif not meters_still:
        state.meters_still_since = None
        judgements.append(clean(METERS_STALLED))
    elif inverters and not inverters_still:  # the meters stand still while the inverters report
        since = state.meters_still_since = state.meters_still_since or now
        if (now - since).total_seconds() >= STALL_S:
            heard = max(m.measured_at for m in timed if m.measured_at is not None)
            when = _since_text(heard, zone)
            message = (
                f"The PVS is answering and hears its inverters, but its meters have not changed {when}: "
                "the site's production, consumption and grid figures are stale. Restart the PVS."
            )
            judgements.append(Judgement(METERS_STALLED, None, True, message, f"unchanged {when}"))
    stalled = inverters_still and state.inverters_still_since is not None
    return Streams(stalled, meters_still, frozenset(inv.serial for inv in frozen), tuple(judgements))


def _unexplained_kw(reading: Reading, moving: list[InverterReading], reference: datetime) -> float | None:
    """What the production meter counts beyond the inverters whose reports move; None with no production meter
    that reports (none, no figure, or its own report standing still)."""
    meter = next((m for m in reading.devices.meters if m.role == "production"), None)
    if meter is None or meter.power_kw is None or _still(meter.measured_at, reference):
        return None
    return meter.power_kw - sum(inv.power_kw or 0.0 for inv in moving)


def _inverters_verdict(
    frozen: list[InverterReading],
    total: int,
    counted_kw: float | None,
    since: datetime,
    now: datetime,
    zone: tzinfo | None,
) -> Judgement:
    from pvs6sup.core.texts import duration_text, watts_text

    heard_at = [inv.measured_at for inv in frozen if inv.measured_at is not None]
    heard = max(heard_at) if heard_at else None
    whom = "the inverters" if len(frozen) == total else f"{len(frozen)} of its {total} inverters"
    lasted_s = (now - since).total_seconds() + STILL_S
    when = _since_text(heard, zone) if heard is not None else f"for {duration_text(lasted_s)}"
    meter = ""
    if counted_kw is not None:
        beyond = "" if len(frozen) == total else " more than the others report"
        meter = f", while the production meter counts {watts_text(counted_kw)}{beyond}"
    message = f"The PVS is answering but has not heard from {whom} {when}{meter}: restart the PVS."
    return Judgement(INVERTERS_STALLED, None, True, message, f"no report {when}")
