"""A fake PVOutput.org on 127.0.0.1 that enforces the documented API r2 rules, for the PVOutput sink's tests.

Rules (field-notes §2): the key and system id in headers; X-Rate-Limit headers when asked; 60 requests an hour
(300 with donation), then 403 "Exceeded number requests per hour"; at most 30 statuses a batch; dates at most
14 days old (90 with donation); times on the status interval; with c1=2 a v1 below the system's last recorded
v1 is refused; generation (v2 > 0, or v1 above the last) while the sun is down is refused as "Moon Powered".
Per-status refusals answer `d,t,0`; a batch where every status fails answers 400 with the first reason.
The same d,t sent again replaces the earlier status, as PVOutput does; `arrivals` keeps every one that landed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pvs6sup.core.sun import sun_elevation_deg

API_KEY = "fake0000000000000000000000000000000000X0"
SYSTEM_ID = "12345"


@dataclass
class FakePVOutput:
    clock: Callable[[], datetime]
    zone: tzinfo
    latitude: float
    longitude: float
    interval_min: int = 5
    donation: bool = False
    statuses: dict[tuple[str, str], dict[str, int | None]] = field(default_factory=dict)
    arrivals: list[tuple[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # every request's path and query, to check no key is there
    answers: list[int] = field(default_factory=list)
    batch_sizes: list[int] = field(default_factory=list)
    hour_counts: dict[datetime, int] = field(default_factory=dict)
    extra_used: int = 0  # requests another client already made this hour
    forced: list[tuple[int, str]] = field(default_factory=list)  # answers to give next, before any rule
    down: bool = False  # answer 503 to everything (an outage on PVOutput's side), counting nothing

    @property
    def limit(self) -> int:
        return 300 if self.donation else 60

    def start(self) -> FakePVOutput:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                code, text, headers = fake.handle(self.path, dict(self.headers.items()), body)
                self.send_response(code)
                for name, value in headers.items():
                    self.send_header(name, value)
                data = text.encode()
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # --- the rules ------------------------------------------------------------------------------
    def handle(self, path: str, headers: dict[str, str], body: str) -> tuple[int, str, dict[str, str]]:
        self.paths.append(path)
        code, text, extra = self._handle(path, headers, body)
        self.answers.append(code)
        return code, text, extra

    def _handle(self, path: str, headers: dict[str, str], body: str) -> tuple[int, str, dict[str, str]]:
        if self.down:
            return 503, "Service Unavailable", {}
        lower = {k.lower(): v for k, v in headers.items()}
        if lower.get("x-pvoutput-apikey") != API_KEY:
            return 401, "Unauthorized 401: Invalid API Key", {}
        if lower.get("x-pvoutput-systemid") != SYSTEM_ID:
            return 401, "Unauthorized 401: Invalid System ID", {}
        now = self.clock()
        hour = now.replace(minute=0, second=0, microsecond=0)
        used = self.hour_counts.get(hour, 0) + 1
        self.hour_counts[hour] = used
        reset = hour + timedelta(hours=1)
        rate = {}
        if lower.get("x-rate-limit") == "1":
            rate = {
                "X-Rate-Limit-Remaining": str(max(0, self.limit - used - self.extra_used)),
                "X-Rate-Limit-Limit": str(self.limit),
                "X-Rate-Limit-Reset": str(int(reset.timestamp())),
            }
        if used + self.extra_used > self.limit:
            return 403, "Forbidden 403: Exceeded number requests per hour", rate
        if self.forced:
            code, text = self.forced.pop(0)
            return code, text, rate
        route = urlsplit(path).path
        if route == "/service/r2/getsystem.jsp":
            return 200, "PVS Test,3840,,12,320,SPR-X22-360,1,6000,,,,,,,,", rate
        if route != "/service/r2/addbatchstatus.jsp":
            return 404, "Not found", rate
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        items = [s for s in form.get("data", "").split(";") if s]
        self.batch_sizes.append(len(items))
        if not items:
            return 400, "Bad request 400: No statuses added", rate
        if len(items) > 30:
            return 400, "Bad request 400: Batch size exceeds 30 statuses", rate
        results, reasons = [], []
        for item in items:
            reason = self._add(item, form.get("c1"), now)
            fields = item.split(",")
            results.append(f"{fields[0]},{fields[1]},{0 if reason else 1}")
            if reason:
                reasons.append(reason)
        if len(reasons) == len(items):
            return 400, f"Bad request 400: {reasons[0]}", rate
        return 200, ";".join(results), rate

    def _add(self, item: str, c1: str | None, now: datetime) -> str | None:
        fields = item.split(",") + [""] * 8
        d, t = fields[0], fields[1]
        try:
            when = datetime.strptime(f"{d} {t}", "%Y%m%d %H:%M").replace(tzinfo=self.zone)
        except ValueError:
            return f"Invalid date {d} {t}"
        if when.minute % self.interval_min:
            return f"Time {t} is not on the {self.interval_min} minute status interval"
        days = 90 if self.donation else 14
        if when.date() < now.astimezone(self.zone).date() - timedelta(days=days):
            return f"Date is older than {days} days [{d}]"
        if when > now.astimezone(self.zone) + timedelta(minutes=5):
            return f"Date is in the future [{d}]"
        v1 = int(fields[2]) if fields[2] else None
        v2 = int(fields[3]) if fields[3] else None
        v4 = int(fields[5]) if fields[5] else None
        if v1 is None and v2 is None and v4 is None:
            return "No status"
        earlier = [s["v1"] for k, s in self.statuses.items() if s["v1"] is not None and k < (d, t)]
        last_v1 = max(earlier) if earlier else None
        if v1 is not None and c1 == "2" and last_v1 is not None and v1 < last_v1:
            return f"Energy value [{v1}] lower than previously recorded value: {last_v1}"
        if sun_elevation_deg(self.latitude, self.longitude, when) < 0 and (
            (v2 or 0) > 0 or (v1 is not None and last_v1 is not None and v1 > last_v1)
        ):
            return f"Moon Powered [{d} {t}]"
        self.statuses[(d, t)] = {"v1": v1, "v2": v2, "v4": v4}
        self.arrivals.append((d, t))
        return None

    def requests_in_hour(self, hour: datetime) -> int:
        return self.hour_counts.get(hour.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0), 0)
