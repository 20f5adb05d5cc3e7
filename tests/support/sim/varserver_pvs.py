"""A simulated PVS6 on new firmware (build 61845): login, session cookie, /vars, and 403 to DeviceList.

It serves the same SimulatedSite as the legacy simulator, translated into varserver variables, so a
cycle through either API can be compared figure for figure. Values are strings, as on the real PVS.
The namespace also holds the Wi-Fi name and key, as the real one does, so tests can prove they never
leave it. Sessions can be expired from a test (expire_sessions) to exercise the re-login.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from pvs6sup.sim.legacy_pvs import PVS_SERIAL, SimulatedPVS, supervisor_info

FORBIDDEN = b'{"status":403,"error":"Unauthorized","path":""}'
UNAUTHORIZED = b'{"status":401,"description":"Unauthorized","errorcode":"0x0000000d"}'
BAD_REQUEST = b'{"status":400,"description":"Bad request","errorcode":"0x00000016"}'
WIFI_KEY = "SimWifiKeyX000planted"  # a planted secret: must never reach the disk or a log


def _iso(pvs_time: str) -> str:
    """'2026,06,21,20,00,00' -> '2026-06-21T20:00:00Z' (DATATIME to msmtEps)."""
    y, mo, d, h, mi, s = (int(p) for p in pvs_time.split(","))
    return datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SimulatedNewFirmwarePVS(SimulatedPVS):
    """The authenticated API of a build-61845 PVS6, over http or (with ssl_context) https."""

    serial: str = PVS_SERIAL
    build: int = 61845
    meter_order: str = "cp"  # consumption meter at index 0: classification must not rely on the index
    absent: set[int] = field(default_factory=set)  # inverter indexes the PVS has stopped listing
    dead_session_status: int = 401  # what /vars answers to an unknown or expired session
    sessions: set[str] = field(default_factory=set)
    logins: int = 0
    failed_logins: int = 0

    @property
    def vars_requests(self) -> list[str]:
        return [p for p in self.requests if p.startswith("/vars")]

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def answer_request(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        parts = urlsplit(path)
        json_type = "application/json"
        if parts.path == "/cgi-bin/dl_cgi/supervisor/info":
            info = {"result": "succeed", "supervisor": supervisor_info(self.build, self.serial)}
            return 200, json.dumps(info, indent="\t").encode(), json_type, []
        if parts.path == "/cgi-bin/dl_cgi":
            return 403, FORBIDDEN, json_type, []  # Command=DeviceList is gone, session or not
        if parts.path == "/auth" and parts.query == "login":
            return self._login(headers)
        if parts.path == "/vars":
            if self._cookie(headers) not in self.sessions:
                return self.dead_session_status, UNAUTHORIZED, json_type, []
            return self._vars(parts.query)
        status, body, content_type = self.answer(path)  # the weather look-alike
        return status, body, content_type, []

    def _login(self, headers: dict[str, str]) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        expected = base64.b64encode(f"ssm_owner:{self.serial[-5:]}".encode()).decode()
        scheme, _, credentials = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic" or credentials.strip() != expected:
            self.failed_logins += 1
            return 401, UNAUTHORIZED, "application/json", []
        self.logins += 1
        token = secrets.token_urlsafe(48)[:64]
        self.sessions.add(token)
        cookie = f"session={token}; Path=/; HttpOnly; Secure"
        return 200, json.dumps({"session": token}).encode(), "application/json", [("Set-Cookie", cookie)]

    @staticmethod
    def _cookie(headers: dict[str, str]) -> str | None:
        for part in headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "session":
                return value
        return None

    def _vars(self, query: str) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        params = parse_qs(query)
        namespace = self.namespace(self.clock())
        if "name" in params:
            names = params["name"][0].split(",")
            if any(n not in namespace for n in names):
                return 400, BAD_REQUEST, "application/json", []
            found = {n: namespace[n] for n in names}
        elif "match" in params:
            found = {k: v for k, v in namespace.items() if params["match"][0] in k}
        else:
            return 400, BAD_REQUEST, "application/json", []
        if not found:
            return 400, BAD_REQUEST, "application/json", []
        if params.get("fmt", ["l"])[0][:1] == "o":
            return 200, json.dumps(found, indent=2).encode(), "application/json", []
        values = [{"name": k, "value": v} for k, v in found.items()]
        return 200, json.dumps({"values": values, "count": len(values)}).encode(), "application/json", []

    def namespace(self, when: datetime) -> dict[str, str]:
        """Every variable at `when`, built from the same DeviceList document the legacy PVS would send."""
        document = self.site.device_list(when)
        pvs = next(d for d in document["devices"] if d["DEVICE_TYPE"] == "PVS")
        meters = {d["SERIAL"][-1]: d for d in document["devices"] if d["DEVICE_TYPE"] == "Power Meter"}
        inverters = [d for d in document["devices"] if d["DEVICE_TYPE"] == "Inverter"]
        when_utc = when.astimezone(timezone.utc).replace(microsecond=0)
        meter_p, meter_c = meters["p"], meters["c"]
        production_en = float(meter_p["net_ltea_3phsum_kwh"])
        c_net_en = float(meter_c["net_ltea_3phsum_kwh"])
        gross = meter_c["subtype"] == "GROSS_CONSUMPTION_LINESIDE"
        load_en = c_net_en if gross else production_en + c_net_en
        c_kw, p_kw = float(meter_c["p_3phsum_kw"]), float(meter_p["p_3phsum_kw"])
        names: dict[str, str] = {
            "/sys/info/serialnum": self.serial,
            "/sys/info/model": "PVS6",
            "/sys/info/hwrev": "6.02",
            "/sys/info/uptime": f"{float(pvs['dl_uptime']):.2f}",
            "/sys/info/sw_rev": f"2025.09.04.{self.build}",
            "/sys/info/ssid": "SunPowerX0001",
            "/sys/info/wpa_key": WIFI_KEY,
            "/sys/info/lmac": "00:22:F2:00:00:01",
            "/sys/livedata/time": str(int(when_utc.timestamp())),
            "/sys/livedata/pv_p": f"{p_kw:.6f}",
            "/sys/livedata/pv_en": f"{production_en:.6f}",
            "/sys/livedata/net_p": f"{(c_kw - p_kw if gross else c_kw):.6f}",
            "/sys/livedata/net_en": f"{(c_net_en - production_en if gross else c_net_en):.6f}",
            "/sys/livedata/site_load_p": f"{(c_kw if gross else p_kw + c_kw):.6f}",
            "/sys/livedata/site_load_en": f"{load_en:.6f}",
            "/sys/livedata/ess_p": "nan",
        }
        for index, suffix in enumerate(self.meter_order):
            meter = meters[suffix]
            prefix = f"/sys/devices/meter/{index}/"
            names.update(
                {
                    prefix + "msmtEps": _iso(meter["DATATIME"]),
                    prefix + "netLtea3phsumKwh": meter["net_ltea_3phsum_kwh"],
                    prefix + "p3phsumKw": meter["p_3phsum_kw"],
                    prefix + "posLtea3phsumKwh": meter.get("pos_ltea_3phsum_kwh", "0.000000"),
                    prefix + "negLtea3phsumKwh": meter.get("neg_ltea_3phsum_kwh", "0.000000"),
                    prefix + "prodMdlNm": meter["MODEL"],
                    prefix + "sn": meter["SERIAL"],
                    prefix + "v12V": meter["v12_v"],
                }
            )
        listed = (inv for i, inv in enumerate(inverters) if i not in self.absent)
        for index, inverter in enumerate(listed):  # like the PVS, indexes close up over absent ones
            prefix = f"/sys/devices/inverter/{index}/"
            names.update(
                {
                    prefix + "freqHz": inverter["freq_hz"],
                    prefix + "ltea3phsumKwh": inverter["ltea_3phsum_kwh"],
                    prefix + "msmtEps": _iso(inverter["DATATIME"]),
                    prefix + "p3phsumKw": inverter["p_3phsum_kw"],
                    prefix + "pMppt1Kw": inverter["p_mppt1_kw"],
                    prefix + "prodMdlNm": inverter["MODEL"],
                    prefix + "sn": inverter["SERIAL"],
                    prefix + "tHtsnkDegc": inverter["t_htsnk_degc"],
                    prefix + "vMppt1V": inverter["v_mppt1_v"],
                }
            )
        return names
