"""PVOutput.org (API r2): one status per status interval, in batches of up to 30, the key in headers only.

What is sent, per status (pvoutput.org/help/api_specification.html):
- d/t: the slot's start in the site's time zone, aligned to PVOUTPUT_INTERVAL_MIN. A slot is sent once it has
  ended, with its latest reading, so each date and time goes once (a status lags by one interval).
- v1 with c1=2: lifetime production in Wh (the production meter, else the inverters' sum). Left out of a status
  when the register reads 0, went down or jumped more than the inverters could make (energy_guard), and at night.
- v2: production in W; 0 while the sun is down (PVOutput refuses night generation as "Moon Powered").
- v4: consumption in W when known. v3 is left out: with c1=2 it would have to be today's consumption energy,
  which cannot be stated from a guarded lifetime across outages; PVOutput integrates v4 itself.
- No v5/v6: the PVS has no ambient temperature, and the readings carry no site voltage.
Rate: at most an hour's quota spread over 12 cycles, and never past what X-Rate-Limit-Remaining allows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

import requests

from pvs6sup.core.models import Reading
from pvs6sup.core.records import FrozenRecord, Record
from pvs6sup.core.secrets import cut, forms, shown_url, url_secrets
from pvs6sup.core.sun import sun_elevation_deg
from pvs6sup.settings.sinks import PvoutputSettings as Settings
from pvs6sup.sinks.budget import MIN_REQUEST_S, Budget
from pvs6sup.sinks.lifetimes import LifetimeGuard, site_max_kw
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError, Sent
from pvs6sup.sinks.queue import Entry

NAME = "pvoutput"
BATCH_PATH = "/service/r2/addbatchstatus.jsp"
PROBE_PATH = "/service/r2/getsystem.jsp"
MAX_BATCH = 30
DAYS_BACK, DONATION_DAYS_BACK = 14, 90
HOURLY, DONATION_HOURLY = 60, 300
CYCLES_PER_HOUR = 12  # a 5-minute cron: one cycle may use 1/12 of the hourly quota
SPACING_S = 2.0  # between two requests of one cycle: PVOutput also throttles per second
NIGHT_BELOW_DEG = 0.0
REGISTER = "production_lifetime"

_CONFIG_TEXTS = {
    "invalid api key": "PVOUTPUT_API_KEY is not accepted (Invalid API Key); set it to the key under Settings on "
    "pvoutput.org",
    "disabled api key": "API access is disabled for PVOUTPUT_API_KEY (Disabled API Key); enable it under Settings "
    "on pvoutput.org",
    "read only key": "PVOUTPUT_API_KEY is a read-only key (Read only key); use the key with write access",
    "invalid system id": "PVOUTPUT_SYSTEM_ID is not a system of this key (Invalid System ID); set it to the System "
    "Id under Settings on pvoutput.org",
}
_DROP_TEXTS = ("date is older than", "moon powered", "lower than previously recorded", "no status")
_RATE_TEXT = "exceeded number requests per hour"
_RETRY_TEXTS = ("date is in the future",)


def payload(reading: Reading, site_name: str, zone: tzinfo) -> dict[str, Any]:
    """The facts a status needs; the local time keeps the site's offset for d/t."""
    site = reading.site
    return {
        "local": reading.fetched_at.astimezone(zone).isoformat(timespec="seconds"),
        "production_kw": site.production_kw,
        "production_lifetime_kwh": site.production_lifetime_kwh,
        "consumption_kw": site.consumption_kw,
        "inverters": reading.inverters_total,
    }


class _Slot(FrozenRecord):
    key: str  # "yyyymmdd,hh:mm": what PVOutput calls d,t
    start: datetime  # aware, the site's offset
    entry: Entry  # the slot's latest reading
    through_seq: int


class _Status(FrozenRecord):
    slot: _Slot
    v1_kwh: float | None
    v2_w: int | None
    v4_w: int | None
    v1_problem: str | None = None  # why v1 was left out (a glitched register), for the warning

    def data(self) -> str:
        v1 = None if self.v1_kwh is None else round(self.v1_kwh * 1000)
        values = ["" if v is None else str(v) for v in (v1, self.v2_w, None, self.v4_w)]
        return ",".join([self.slot.key, *values]).rstrip(",")

    @property
    def empty(self) -> bool:
        return self.v1_kwh is None and self.v2_w is None and self.v4_w is None


class _Item(FrozenRecord):
    """One ended slot: a status to send, or (status None) a slot settled without sending, with why."""

    slot: _Slot
    status: _Status | None
    dropped: str | None = None  # "old" | "empty"; None: sent before


def _slots(entries: Sequence[Entry], interval_min: int, now: datetime) -> list[_Slot]:
    """Entries grouped by status slot, oldest first; the newest slot only once it has ended."""
    slots: dict[str, _Slot] = {}
    for entry in entries:
        local = datetime.fromisoformat(entry.payload["local"])
        start = local.replace(minute=local.minute - local.minute % interval_min, second=0, microsecond=0)
        key = start.strftime("%Y%m%d,%H:%M")
        slots[key] = _Slot(key, start, entry, entry.seq)  # later entries replace: the latest of the slot
    ordered = list(slots.values())
    if ordered and now < ordered[-1].start + timedelta(minutes=interval_min):
        ordered.pop()  # still open: a later reading may fall in it
    return ordered


def _is_night(settings: Settings, slot: _Slot) -> bool:
    if settings.latitude is not None and settings.longitude is not None:
        return sun_elevation_deg(settings.latitude, settings.longitude, slot.start) < NIGHT_BELOW_DEG
    kw = slot.entry.payload.get("production_kw")
    return kw is not None and kw <= 0


def _status(settings: Settings, slot: _Slot, guard: LifetimeGuard) -> _Status:
    facts = slot.entry.payload
    night = _is_night(settings, slot)
    production_kw, consumption_kw = facts.get("production_kw"), facts.get("consumption_kw")
    v2 = 0 if night else (max(0, round(production_kw * 1000)) if production_kw is not None else None)
    v4 = round(consumption_kw * 1000) if consumption_kw is not None and consumption_kw >= 0 else None
    lifetime = facts.get("production_lifetime_kwh")
    if night or lifetime is None:
        return _Status(slot, None, v2, v4)
    at_s = slot.entry.fetched_at.timestamp()
    admitted, problem = guard.admit(REGISTER, lifetime, at_s, site_max_kw(facts.get("inverters")))
    return _Status(slot, admitted, v2, v4, problem)


def _plan(settings: Settings, entries: Sequence[Entry], memo: Mapping[str, Any], now: datetime) -> list[_Item]:
    """Every ended slot in order: what to send, and what to settle without sending."""
    last_slot = str(memo.get("last_slot") or "")
    zone = datetime.fromisoformat(entries[0].payload["local"]).tzinfo if entries else timezone.utc
    days = DONATION_DAYS_BACK if settings.donation else DAYS_BACK
    oldest_allowed = now.astimezone(zone).date() - timedelta(days=days)
    guard = LifetimeGuard(memo.get("v1"))
    items = []
    for slot in _slots(entries, settings.interval_min, now):
        if slot.key <= last_slot:
            items.append(_Item(slot, None))  # sent before (killed before the queue moved; the repeated DST hour)
        elif slot.start.date() < oldest_allowed:
            items.append(_Item(slot, None, "old"))
        else:
            status = _status(settings, slot, guard)
            items.append(_Item(slot, None, "empty") if status.empty else _Item(slot, status))
    return items


def _chunks(items: list[_Item]) -> list[list[_Item]]:
    """Items cut so that each chunk holds at most MAX_BATCH statuses (and the unsent slots before them)."""
    chunks: list[list[_Item]] = []
    current: list[_Item] = []
    statuses = 0
    for item in items:
        if item.status is not None and statuses == MAX_BATCH:
            chunks.append(current)
            current, statuses = [], 0
        current.append(item)
        statuses += item.status is not None
    if current:
        chunks.append(current)
    return chunks


class _Rate(Record):
    remaining: int | None
    reset_s: float | None

    def exhausted(self, now: datetime) -> bool:
        return (
            self.remaining is not None
            and self.remaining <= 0
            and self.reset_s is not None
            and (now.timestamp() < self.reset_s)
        )

    def until(self, now: datetime) -> datetime:
        if self.reset_s is not None and self.reset_s > now.timestamp():
            return datetime.fromtimestamp(self.reset_s, timezone.utc)
        return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)

    def update(self, headers: Mapping[str, str]) -> None:
        remaining, reset = headers.get("X-Rate-Limit-Remaining"), headers.get("X-Rate-Limit-Reset")
        if remaining is not None and remaining.strip().lstrip("-").isdigit():
            self.remaining = int(remaining)
        if reset is not None and reset.strip().isdigit():
            self.reset_s = float(reset)


def _rate_error(rate: _Rate, now: datetime) -> RetryLaterError:
    until = rate.until(now)
    return RetryLaterError(
        f"PVOutput: the hourly request limit is used up; sending resumes at {until:%H:%M} UTC", until
    )


def _headers(settings: Settings) -> dict[str, str]:
    return {"X-Pvoutput-Apikey": settings.api_key, "X-Pvoutput-SystemId": settings.system_id, "X-Rate-Limit": "1"}


def _text(settings: Settings, response: requests.Response) -> str:
    """PVOutput's error text, one short line, the key masked in case it was echoed."""
    return cut(response.text, [*forms(settings.api_key), *url_secrets(settings.url)], 200)


def _refusal(settings: Settings, response: requests.Response, rate: _Rate, now: datetime) -> Exception | str:
    """An error answer as the exception to raise, or the text of a refusal that drops the batch."""
    text = _text(settings, response)
    lowered = text.lower()
    if _RATE_TEXT in lowered:
        rate.remaining = 0
        rate.reset_s = rate.until(now).timestamp()
        return _rate_error(rate, now)
    for needle, fix in _CONFIG_TEXTS.items():
        if needle in lowered:
            return FixConfigError(f"PVOutput: {fix}")
    if any(needle in lowered for needle in _DROP_TEXTS):
        return text
    code = response.status_code
    if any(needle in lowered for needle in _RETRY_TEXTS) or code >= 500:
        return RetryLaterError(f"PVOutput answered {code} ({text}); the statuses wait for the next cycle")
    if code == 401:
        return FixConfigError(
            f"PVOutput refused PVOUTPUT_API_KEY / PVOUTPUT_SYSTEM_ID ({text}); check both on pvoutput.org"
        )
    return RetryLaterError(f"PVOutput answered {code} ({text}); the statuses stay queued")


def _refused(body: str) -> list[str]:
    """The d,t of statuses a 200 answer marks as not added ('d,t,0')."""
    refused = []
    for item in body.strip().split(";"):
        parts = item.split(",")
        if len(parts) >= 3 and parts[2].strip() == "0":
            refused.append(f"{parts[0]} {parts[1]}")
    return refused


def _summary(settled: list[_Item], refused: list[str], settings: Settings) -> list[str]:
    """One warning per kind of drop in this send."""
    warnings = []
    old = [i.slot for i in settled if i.dropped == "old"]
    if old:
        days = DONATION_DAYS_BACK if settings.donation else DAYS_BACK
        warnings.append(
            f"PVOutput: {len(old)} statuses from {old[0].start:%Y-%m-%d %H:%M} to {old[-1].start:%Y-%m-%d %H:%M} "
            f"were dropped: PVOutput accepts {days} days back"
        )
    empty = [i.slot for i in settled if i.dropped == "empty"]
    if empty:
        warnings.append(f"PVOutput: {len(empty)} statuses had no known value (first {empty[0].key}); not sent")
    glitched = [i.status for i in settled if i.status is not None and i.status.v1_problem]
    if glitched:
        first = glitched[0]
        warnings.append(
            f"PVOutput: the production lifetime {first.v1_problem} at {first.slot.key}; v1 was left out of "
            f"{len(glitched)} statuses"
        )
    if refused:
        warnings.append(f"PVOutput refused {len(refused)} statuses (first {refused[0]}); they were dropped")
    return warnings


def send(
    settings: Settings,
    session: requests.Session,
    entries: Sequence[Entry],
    memo: Mapping[str, Any],
    now: datetime,
    deadline_s: float,
) -> Sent:
    """Send the ended slots oldest first, as far as the hour's quota and the deadline allow."""
    budget = Budget(deadline_s)
    rate = _Rate(memo.get("rate_remaining"), memo.get("rate_reset"))
    if rate.exhausted(now):
        raise _rate_error(rate, now)
    new_memo = dict(memo)
    settled_through = entries[0].seq - 1 if entries else 0
    settled: list[_Item] = []
    refused: list[str] = []
    requests_left = max(1, (DONATION_HOURLY if settings.donation else HOURLY) // CYCLES_PER_HOUR)
    url = settings.url.rstrip("/") + BATCH_PATH
    posted = 0

    for chunk in _chunks(_plan(settings, entries, memo, now)):
        batch = [item.status for item in chunk if item.status is not None]
        if batch:
            if requests_left <= 0 or rate.exhausted(now):
                break
            if posted and budget.left_s() > SPACING_S + MIN_REQUEST_S:
                time.sleep(SPACING_S)
            timeout = budget.timeout()
            if timeout is None:
                break
            try:
                response = budget.post(
                    session,
                    url,
                    data={"data": ";".join(s.data() for s in batch), "c1": "2"},
                    headers=_headers(settings),
                    timeout=timeout,
                )
            except requests.RequestException as err:
                if posted:
                    break  # what went is settled; the failure shows again next cycle if it lasts
                raise RetryLaterError(
                    f"PVOutput: no answer from {shown_url(settings.url)} ({type(err).__name__}); the statuses wait "
                    "for the next cycle"
                ) from err
            posted += 1
            requests_left -= 1
            rate.update(response.headers)
            if response.status_code == 200:
                refused += _refused(response.text)
            else:
                outcome = _refusal(settings, response, rate, now)
                if isinstance(outcome, Exception):
                    if posted > 1:
                        break
                    raise outcome
                refused += [f"{s.slot.key} ({outcome})" for s in batch]
            new_memo["last_slot"] = batch[-1].slot.key
            with_v1 = [s for s in batch if s.v1_kwh is not None]
            if with_v1:
                new_memo["v1"] = {REGISTER: [with_v1[-1].v1_kwh, with_v1[-1].slot.entry.fetched_at.timestamp()]}
        settled += chunk
        settled_through = chunk[-1].slot.through_seq

    new_memo["rate_remaining"], new_memo["rate_reset"] = rate.remaining, rate.reset_s
    dropped = sum(1 for i in settled if i.dropped) + len(refused)
    return Sent(settled_through, dropped, tuple(_summary(settled, refused, settings)), new_memo)


def probe(settings: Settings, session: requests.Session, deadline_s: float) -> str | None:
    """None when PVOutput accepts the key and system id (getsystem.jsp), else one line with the fix."""
    budget = Budget(deadline_s)
    timeout = budget.timeout()
    if timeout is None:
        return "PVOutput: no time left to check it"
    try:
        url = settings.url.rstrip("/") + PROBE_PATH
        response = budget.post(session, url, headers=_headers(settings), timeout=timeout)
    except requests.RequestException as err:
        where = shown_url(settings.url)
        return f"PVOutput: no answer from {where} ({type(err).__name__}); check PVOUTPUT_URL and the network"
    if response.status_code == 200:
        return None
    outcome = _refusal(settings, response, _Rate(None, None), datetime.now(timezone.utc))
    if isinstance(outcome, RetryLaterError) and outcome.until is not None:
        return None  # the hourly limit is used up: the key and system id were accepted
    return str(outcome) if isinstance(outcome, Exception) else f"PVOutput: {outcome}"
