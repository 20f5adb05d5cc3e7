"""Test helpers for sinks: simulated readings, and a stand-in for the delivery queue that drives send().

The stand-in does what the queue promises a sink: entries oldest first, the cursor moved to `through_seq`, the
memo kept between cycles, and no call before a RetryLaterError's `until`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests

from pvs6sup.core.models import Reading
from pvs6sup.core.site import derive_site
from pvs6sup.pvs.devicelist import devicelist_from_json
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError, Sent
from pvs6sup.sinks.queue import Entry

STEP = timedelta(minutes=5)


def readings(
    start: datetime, count: int, site: SimulatedSite | None = None, step: timedelta = STEP
) -> Iterator[Reading]:
    """`count` readings `step` apart, from `start` (UTC), of one simulated site whose energy accumulates."""
    site = site or SimulatedSite(SiteModel(inverter_count=4, failed=frozenset()))
    for index in range(count):
        when = start + index * step
        devices = devicelist_from_json(site.device_list(when))
        yield Reading(when, devices, derive_site(devices), cloud_cover_pct=site.cloud_cover_pct(when))


class CountingSession(requests.Session):
    """A real session that counts the HTTP requests made through it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls += 1
        return super().request(*args, **kwargs)


@dataclass
class Driver:
    """One sink's queue, cursor and memo, driven cycle by cycle."""

    send: Callable[..., Sent]
    settings: Any
    session: CountingSession = field(default_factory=CountingSession)
    entries: list[Entry] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    dropped: int = 0
    retries: list[RetryLaterError] = field(default_factory=list)
    last_seq: int = 0

    def queue(self, reading: Reading, payload: dict[str, Any]) -> None:
        self.last_seq += 1
        self.entries.append(Entry(self.last_seq, reading.fetched_at, payload))

    def cycle(self, now: datetime, deadline_s: float = 30.0) -> Sent | None:
        """One delivery attempt; None when it waited or failed for later."""
        if self.not_before is not None and now < self.not_before:
            return None
        try:
            sent = self.send(self.settings, self.session, list(self.entries), dict(self.memo), now, deadline_s)
        except RetryLaterError as err:
            self.retries.append(err)
            self.not_before = err.until
            return None
        self.not_before = None
        self.memo = dict(sent.memo)
        self.warnings += sent.warnings
        self.dropped += sent.dropped
        self.entries = [e for e in self.entries if e.seq > sent.through_seq]
        return sent


__all__ = ["STEP", "CountingSession", "Driver", "FixConfigError", "RetryLaterError", "readings"]
