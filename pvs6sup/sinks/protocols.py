"""The shape of a sink module, as protocols that mypy checks each module against (sinks/table.py's loaders)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import requests

from pvs6sup.core.models import Reading
from pvs6sup.sinks.outcome import Sent
from pvs6sup.sinks.queue import Entry

if TYPE_CHECKING:
    from pvs6sup.alerts.incidents import Event

S = TypeVar("S", contravariant=True)


class SinkModule(Protocol[S]):
    """A sink module: the payload queued for a reading, one send of queued entries, and the check's probe."""

    def payload(self, reading: Reading, site_name: str, zone: tzinfo) -> dict[str, Any]: ...

    def send(
        self,
        settings: S,
        session: requests.Session,
        entries: Sequence[Entry],
        memo: Mapping[str, Any],
        now: datetime,
        deadline_s: float,
    ) -> Sent: ...

    def probe(self, settings: S, session: requests.Session, deadline_s: float) -> str | None: ...


class AlertCarrier(SinkModule[S], Protocol[S]):
    """A sink module that also carries the alert events and a PVS failure (sent after the alerts are judged)."""

    def alert_payload(self, event: Event) -> dict[str, Any]: ...

    def failure_payload(self, failed_at: datetime) -> dict[str, Any]: ...
