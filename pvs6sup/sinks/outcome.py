"""What a sink's send() reports: how far the queue is settled, or why it must wait or needs the owner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pvs6sup.core.records import FrozenRecord, field
from pvs6sup.errors import DeliveryError


class Sent(FrozenRecord):
    """Entries up to `through_seq` are settled: delivered, or `dropped` with a warning each kind."""

    through_seq: int
    dropped: int = 0
    warnings: tuple[str, ...] = ()
    memo: dict[str, Any] = field(default_factory=dict)


class RetryLaterError(DeliveryError):
    """A temporary failure (network, server error, rate limit): the entries stay queued."""

    def __init__(self, message: str, until: datetime | None = None) -> None:
        super().__init__(message)
        self.until = until


class FixConfigError(DeliveryError):
    """Only the owner can fix this (a bad key, a wrong URL): the entries stay queued until then."""


class Result(FrozenRecord):
    """One send: entries that were pending, entries settled, and the one-line problem when some had to stay."""

    pending: int
    sent: int
    problem: str | None = None
