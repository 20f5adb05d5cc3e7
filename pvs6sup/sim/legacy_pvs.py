"""A simulated PVS6 site and a real HTTP server on 127.0.0.1 that serves it, for the demo and tests.

The site has sun (from the real solar geometry), drifting clouds, a household load, a production and a
consumption meter, and microinverters of which some can be failed. Answers look like a legacy PVS6's:
every number a string, tab-indented JSON, UTC timestamps as 'YYYY,MM,DD,HH,MM,SS'. All serials are made up.
"""

from __future__ import annotations

import json
import math
import random
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from pvs6sup.core.sun import sun_elevation_deg

PVS_SERIAL = "ZT000000000000000X0001"  # made up; the hook and readers know X000 marks a fake


@dataclass
class SiteModel:
    """The simulated installation."""

    latitude: float = 37.42
    longitude: float = -122.08
    inverter_count: int = 12
    panel_ac_kw: float = 0.32  # peak AC output of one microinverter in full sun
    consumption_mode: str = "net"  # "net" (NET_CONSUMPTION_LOADSIDE) or "gross" (GROSS_CONSUMPTION_LINESIDE)
    failed: frozenset[int] = frozenset({6})  # inverter indexes that are dead (STATE error, no output)
    seed: int = 7

    def inverter_serial(self, index: int) -> str:
        return f"E00X000{self.seed:03d}{index + 1:05d}"


@dataclass
class _Energy:
    inverters: list[float]
    grid_import: float = 5210.0
    grid_export: float = 8133.5
    consumption: float = 14120.0
    last: datetime | None = None


class SimulatedSite:
    """Produces DeviceList documents for any moment; lifetime energies accumulate between calls."""

    def __init__(self, model: SiteModel | None = None) -> None:
        self.model = model or SiteModel()
        rng = random.Random(self.model.seed)  # noqa: S311 (a repeatable simulation, not security)
        self._panel_factor = [rng.uniform(0.96, 1.02) for _ in range(self.model.inverter_count)]
        self._cloud_waves = [(rng.uniform(0.2, 3.0), rng.uniform(0, 2 * math.pi)) for _ in range(6)]
        self._energy = _Energy(inverters=[rng.uniform(2400, 2800) for _ in range(self.model.inverter_count)])
        self._last_heard: dict[int, datetime] = {}
        self.boot_time: datetime | None = None
        self.overrides: dict[int, float] = {}  # inverter index -> output factor (0.7 = 30 % loss)
        self._sun: tuple[datetime, float] | None = None  # the last moment's sun factor (the same for every panel)
        # A stalled stream: "inverters" and/or "meters" whose reports stand still (the PVS answers, repeating
        # them with only CURTIME moving) while the site goes on producing; the repeated reports are kept here.
        self.stalled: frozenset[str] = frozenset()
        self._stalled_reports: dict[str, list[dict[str, Any]]] = {}

    # --- physics -----------------------------------------------------------------------------
    def cloud_cover_pct(self, when: datetime) -> float:
        """Smoothly drifting cloud cover, 0..100 %, the same for the same moment."""
        hours = when.timestamp() / 3600
        wave = sum(math.sin(hours * speed + phase) for speed, phase in self._cloud_waves) / len(self._cloud_waves)
        return round(max(0.0, min(100.0, 45 + 90 * wave)), 0)

    def sun_factor(self, when: datetime) -> float:
        if self._sun is None or self._sun[0] != when:
            elevation = sun_elevation_deg(self.model.latitude, self.model.longitude, when)
            self._sun = (when, max(0.0, math.sin(math.radians(elevation))) ** 1.2 if elevation > 0 else 0.0)
        return self._sun[1]

    def inverter_kw(self, index: int, when: datetime) -> float:
        if index in self.model.failed:
            return 0.0
        # Clouds cross the array: each panel sees the sky a few seconds apart.
        cover = self.cloud_cover_pct(when + timedelta(seconds=20 * index)) / 100
        transmission: float = 1 - 0.75 * cover**3.4  # float ** float is Any to mypy (it could be complex)
        output = self.model.panel_ac_kw * self.sun_factor(when) * transmission * self._panel_factor[index]
        return round(output * self.overrides.get(index, 1.0), 4)

    def load_kw(self, when: datetime) -> float:
        local_hour = (when.timestamp() / 3600 + self.model.longitude / 15) % 24
        bumps = 1.2 * math.exp(-((local_hour - 7.5) ** 2)) + 1.8 * math.exp(-(((local_hour - 19) / 1.5) ** 2))
        return round(0.35 + bumps + 0.1 * math.sin(when.timestamp() / 700), 4)

    def _advance(self, when: datetime, outputs_kw: list[float]) -> None:
        energy = self._energy
        if energy.last is not None and when > energy.last:
            hours = (when - energy.last).total_seconds() / 3600
            for index, kw in enumerate(outputs_kw):
                energy.inverters[index] += kw * hours
            production = sum(outputs_kw)
            load = self.load_kw(when)
            energy.consumption += load * hours
            grid = load - production
            if grid > 0:
                energy.grid_import += grid * hours
            else:
                energy.grid_export += -grid * hours
        if energy.last is None or when > energy.last:
            energy.last = when
        if self.boot_time is None:
            self.boot_time = when - timedelta(days=3, hours=4)

    # --- the DeviceList document -------------------------------------------------------------
    def device_list(self, when: datetime) -> dict[str, Any]:
        """The DeviceList document at `when`, as the PVS would send it."""
        when = when.astimezone(timezone.utc).replace(microsecond=0)
        outputs_kw = [self.inverter_kw(i, when) for i in range(self.model.inverter_count)]  # once a document
        self._advance(when, outputs_kw)
        inverters = [self._inverter(i, when, kw) for i, kw in enumerate(outputs_kw)]
        inverters = self._as_stalled("inverters", inverters, when)
        meters = self._as_stalled("meters", self._meters(when, sum(outputs_kw)), when)
        return {"devices": [self._supervisor(when), *meters, *inverters], "result": "succeed"}

    def _as_stalled(self, stream: str, reports: list[dict[str, Any]], when: datetime) -> list[dict[str, Any]]:
        """The reports as sent: those of the moment the stream stalled while it is stalled (only CURTIME moves)."""
        if stream not in self.stalled:
            self._stalled_reports.pop(stream, None)
            return reports
        kept = self._stalled_reports.setdefault(stream, reports)
        return [{**report, "CURTIME": format_pvs_time(when)} for report in kept]

    def render(self, when: datetime) -> bytes:
        """The document as bytes, tab-indented like the PVS's own output."""
        return json.dumps(self.device_list(when), indent="\t", separators=(",", ":\t")).encode("utf-8")

    def _supervisor(self, when: datetime) -> dict[str, Any]:
        assert self.boot_time is not None
        aligned = when - timedelta(minutes=when.minute % 5, seconds=when.second)
        return {
            "DETAIL": "detail",
            "STATE": "working",
            "STATEDESCR": "Working",
            "SERIAL": PVS_SERIAL,
            "MODEL": "PV Supervisor PVS6",
            "HWVER": "6.02",
            "SWVER": "2025.06, Build 61839",
            "DEVICE_TYPE": "PVS",
            "DATATIME": format_pvs_time(aligned),
            "dl_err_count": "0",
            "dl_comm_err": str(40 + when.hour),
            "dl_skipped_scans": "0",
            "dl_scan_time": "14",
            "dl_untransmitted": "0",
            "dl_uptime": str(int((when - self.boot_time).total_seconds())),
            "dl_cpu_load": "0.46",
            "dl_mem_used": "50112",
            "dl_flash_avail": "58870",
            "panid": 123456789,
            "CURTIME": format_pvs_time(when),
        }

    def _meters(self, when: datetime, production: float) -> list[dict[str, Any]]:
        energy = self._energy
        load = self.load_kw(when)
        production_kw = round(production * 0.995 - (0.003 if production == 0 else 0), 4)
        produced = sum(energy.inverters) * 0.995
        common = {
            "ISDETAIL": True,
            "STATE": "working",
            "STATEDESCR": "Working",
            "DEVICE_TYPE": "Power Meter",
            "interface": "mime",
            "SWVER": "3000",
            "PORT": "",
            "DATATIME": format_pvs_time(when),
            "freq_hz": "60",
            "v12_v": "241.2",
            "origin": "data_logger",
            "OPERATION": "noop",
            "CURTIME": format_pvs_time(when),
        }
        meter_p = {
            **common,
            "SERIAL": "PVS6M00X0001p",
            "TYPE": "PVS5-METER-P",
            "MODEL": "PVS6M0400p",
            "DESCR": "Power Meter PVS6M00X0001p",
            "production_subtype_enum": "GROSS_PRODUCTION_SITE",
            "subtype": "GROSS_PRODUCTION_SITE",
            "ct_scl_fctr": "50",
            "CAL0": "50",
            "net_ltea_3phsum_kwh": f"{produced:.2f}",
            "p_3phsum_kw": f"{production_kw:.4f}",
            "i_a": f"{production_kw * 1000 / 241.2:.4f}",
        }
        if self.model.consumption_mode == "net":
            subtype, meter_kw = "NET_CONSUMPTION_LOADSIDE", round(load - production_kw, 4)
            pos, neg = energy.grid_import, energy.grid_export
        else:
            subtype, meter_kw = "GROSS_CONSUMPTION_LINESIDE", load
            pos, neg = energy.consumption, 2.91
        meter_c = {
            **common,
            "SERIAL": "PVS6M00X0001c",
            "TYPE": "PVS5-METER-C",
            "MODEL": "PVS6M0400c",
            "DESCR": "Power Meter PVS6M00X0001c",
            "consumption_subtype_enum": subtype,
            "subtype": subtype,
            "ct_scl_fctr": "100",
            "CAL0": "100",
            "net_ltea_3phsum_kwh": f"{pos - neg:.2f}",
            "p_3phsum_kw": f"{meter_kw:.4f}",
            "p1_kw": f"{meter_kw / 2:.4f}",
            "p2_kw": f"{meter_kw / 2:.4f}",
            "pos_ltea_3phsum_kwh": f"{pos:.4f}",
            "neg_ltea_3phsum_kwh": f"{neg:.2f}",
        }
        return [meter_p, meter_c]

    def dc_side(self, index: int, when: datetime, kw: float) -> tuple[float, float]:
        """(DC power kW, MPPT voltage V) of the panel behind inverter `index` making `kw` AC."""
        return kw * 1.04, 55.21

    def _inverter(self, index: int, when: datetime, kw: float) -> dict[str, Any]:
        producing = kw > 0.001
        if producing:
            self._last_heard[index] = when - timedelta(seconds=when.second % 15)
        heard = self._last_heard.get(index, when - timedelta(hours=14 if index not in self.model.failed else 60))
        serial = self.model.inverter_serial(index)
        dc_kw, volts = self.dc_side(index, when, kw)
        return {
            "ISDETAIL": True,
            "SERIAL": serial,
            "TYPE": "SOLARBRIDGE",
            "STATE": "working" if producing else "error",
            "STATEDESCR": "Working" if producing else "Error",
            "MODEL": "AC_Module_Type_E",
            "DESCR": f"Inverter {serial}",
            "DEVICE_TYPE": "Inverter",
            "hw_version": "4405",
            "interface": "mime",
            "PANEL": "SPR-X22-360-E-AC",
            "SWVER": "4.40.1",
            "PORT": "",
            "MOD_SN": "",
            "NMPLT_SKU": "",
            "DATATIME": format_pvs_time(heard),
            "ltea_3phsum_kwh": f"{self._energy.inverters[index]:.4f}",
            "p_3phsum_kw": f"{kw:.4f}",
            "vln_3phavg_v": "241.05" if producing else "0",
            "i_3phsum_a": f"{kw * 1000 / 241:.2f}",
            "p_mppt1_kw": f"{dc_kw:.4f}",
            "v_mppt1_v": f"{volts:.2f}" if producing else "0",
            "i_mppt1_a": f"{dc_kw * 1000 / volts:.2f}" if producing and volts > 0 else "0",
            "t_htsnk_degc": str(round(18 + 30 * kw / self.model.panel_ac_kw)),
            "freq_hz": "60.01" if producing else "0",
            "stat_ind": "0",
            "origin": "data_logger",
            "OPERATION": "noop",
            "CURTIME": format_pvs_time(when),
        }


def supervisor_info(build: int, serial: str = PVS_SERIAL) -> dict[str, Any]:
    """The supervisor object of /cgi-bin/dl_cgi/supervisor/info for a PVS6 of this build."""
    year_month = "2025.09" if build >= 61845 else "2025.06"
    return {
        "SWVER": f"{year_month}, Build {build}",
        "SERIAL": serial,
        "MODEL": "PVS6",
        "BUILD": build,
        "FWVER": "1.0.0",
    }


def format_pvs_time(when: datetime) -> str:
    """A UTC moment in the PVS's 'YYYY,MM,DD,HH,MM,SS' form."""
    return when.astimezone(timezone.utc).strftime("%Y,%m,%d,%H,%M,%S")


@dataclass
class ForcedAnswer:
    """An answer the server gives instead of the normal one (tests and fault drills)."""

    status: int = 200
    body: bytes = b""
    delay_s: float = 0.0


_Simulator = TypeVar("_Simulator", bound="SimulatedPVS")  # start() and `with` give the subclass back


@dataclass
class SimulatedPVS:
    """A real HTTP server on 127.0.0.1 serving the site: DeviceList and an Open-Meteo look-alike."""

    site: SimulatedSite = field(default_factory=SimulatedSite)
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    forced: list[ForcedAnswer] = field(default_factory=list)  # consumed one per DeviceList request
    requests: list[str] = field(default_factory=list)
    ssl_context: ssl.SSLContext | None = None  # serve https (new firmware) with this server context
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def device_list_requests(self) -> int:
        return sum(1 for path in self.requests if "Command=DeviceList" in path)

    def start(self: _Simulator) -> _Simulator:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                simulator.requests.append(self.path)
                status, body, content_type, extra = simulator.answer_request(self.path, dict(self.headers))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in extra:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.ssl_context is not None:
            self._server.socket = self.ssl_context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="simulated-pvs", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self: _Simulator) -> _Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer_request(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        """Route one request with its headers: (status, body, content type, extra headers)."""
        return (*self.answer(path), [])

    def answer(self, path: str) -> tuple[int, bytes, str]:
        """Route one request: (status, body, content type)."""
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        if parts.path == "/cgi-bin/dl_cgi/supervisor/info":
            return (
                200,
                json.dumps({"result": "succeed", "supervisor": supervisor_info(61839)}).encode(),
                "application/json",
            )
        if parts.path == "/cgi-bin/dl_cgi" and query.get("Command") == ["DeviceList"]:
            if self.forced:
                forced = self.forced.pop(0)
                if forced.delay_s:
                    threading.Event().wait(forced.delay_s)
                return forced.status, forced.body, "application/json"
            return 200, self.site.render(self.clock()), "application/json"
        if parts.path == "/v1/forecast":
            when = self.clock()
            document = {
                "latitude": self.site.model.latitude,
                "longitude": self.site.model.longitude,
                "current_units": {"time": "iso8601", "interval": "seconds", "cloud_cover": "%"},
                "current": {
                    "time": when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M"),
                    "interval": 900,
                    "cloud_cover": int(self.site.cloud_cover_pct(when)),
                },
            }
            return 200, json.dumps(document).encode(), "application/json"
        return 404, b'{"status":404,"error":"Not Found"}', "application/json"
