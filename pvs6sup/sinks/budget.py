"""A sink's total time budget: each request gets a timeout that fits in what is left of it."""

from __future__ import annotations

import time
from collections.abc import Callable

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
MIN_REQUEST_S = 1.0  # less than this left: do not start another request


class Budget:
    """`deadline_s` seconds from now, for connect and every request together."""

    def __init__(self, deadline_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.end = clock() + deadline_s

    def left_s(self) -> float:
        return self.end - self.clock()

    def timeout(self) -> tuple[float, float] | None:
        """(connect, read) timeouts for the next request, or None when too little time is left to start one."""
        left = self.left_s()
        if left < MIN_REQUEST_S:
            return None
        return min(CONNECT_TIMEOUT_S, left), min(READ_TIMEOUT_S, left)
