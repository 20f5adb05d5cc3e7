"""A total deadline on a blocking call that has no such bound of its own.

requests' timeouts bound each socket read, not the whole exchange: a server that trickles its headers a
byte at a time never trips them. call_within runs the call in a daemon thread and stops waiting when the
time is up. The thread left behind ends with its socket's own read timeout, or with the process (a cron
run exits moments later); it holds nothing but that socket. It may still be using the run's HTTP session
while the cycle goes on with other hosts: requests keeps one connection pool per host, so they do not meet.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

CONNECT_TIMEOUT_S = 10.0  # the most any request waits for its connection: to the PVS, a sink, Google


class DeadlineExceeded(Exception):  # noqa: N818 (the name says what happened; callers turn it into theirs)
    """The call had not returned when its time was up."""


class _Outcome(Generic[T]):
    def __init__(self, value: T | None = None, error: BaseException | None = None) -> None:
        self.value, self.error = value, error


def call_within(seconds: float, work: Callable[[], T], name: str = "bounded call") -> T:
    """work() if it returns or raises within seconds; DeadlineExceeded otherwise."""
    outcomes: queue.SimpleQueue[_Outcome[T]] = queue.SimpleQueue()

    def run() -> None:
        try:
            outcomes.put(_Outcome(value=work()))
        except BaseException as err:  # handed to the waiting thread, which raises it there
            outcomes.put(_Outcome(error=err))

    threading.Thread(target=run, name=name, daemon=True).start()
    try:
        outcome = outcomes.get(timeout=max(seconds, 0.0))
    except queue.Empty:
        raise DeadlineExceeded(f"{name} did not finish within {seconds:g} s") from None
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]  # a T when no error
