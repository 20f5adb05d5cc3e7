"""A sink's total time budget: each request gets a timeout that fits in what is left of it, and a total deadline.

requests' timeout bounds each socket read, not the request: a server trickling its headers or its body a byte
at a time never trips it. post() runs the request (body included) through net/deadline.py's call_within, so a
request never outlives the budget; the deadline is reported as requests.Timeout, like any other lost answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pvs6sup.net.deadline import CONNECT_TIMEOUT_S

READ_TIMEOUT_S = 30.0
MIN_REQUEST_S = 1.0  # less than this left: do not start another request


class Budget:
    """`deadline_s` seconds from now, for connect and every request together."""

    def __init__(self, deadline_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.deadline_s = deadline_s
        self.end = clock() + deadline_s

    def left_s(self) -> float:
        return self.end - self.clock()

    def timeout(self) -> tuple[float, float] | None:
        """(connect, read) timeouts for the next request, or None when too little time is left to start one."""
        left = self.left_s()
        if left < MIN_REQUEST_S:
            return None
        return min(CONNECT_TIMEOUT_S, left), min(READ_TIMEOUT_S, left)

    def post(self, session: Any, url: str, timeout: tuple[float, float], **kwargs: Any) -> Any:
        """session.post(url, ...), whole answer included, within what is left; requests.Timeout when it is not."""
        return within(self.left_s(), lambda: session.post(url, timeout=timeout, **kwargs), self.deadline_s)


def within(left_s: float, work: Callable[[], Any], budget_s: float) -> Any:
    """work() (a request) if its whole answer is in within left_s; else requests.Timeout naming the budget."""
    import requests

    from pvs6sup.net.deadline import DeadlineExceeded, call_within

    try:
        return call_within(max(left_s, 0.0), work, "sink request")
    except DeadlineExceeded as err:
        raise requests.Timeout(f"no whole answer within the {budget_s:g} s budget") from err
