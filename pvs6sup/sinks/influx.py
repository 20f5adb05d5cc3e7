"""InfluxDB: each reading as line protocol, written by hand with requests; 1.x, 2.x, Cloud and 3.x.

INFLUX_BUCKET set: POST /api/v2/write?org=&bucket=&precision=s with `Authorization: Token` (2.x, Cloud, 3.x, 1.8+).
Else INFLUX_DATABASE: POST /write?db=&precision=s, with basic auth when INFLUX_USERNAME is set (1.x).
Measurements, tagged site=<SITE_NAME> (and serial= for inverters), stamped with the reading's time in seconds:
- pvs_site: production_kw, consumption_kw, grid_kw (+ import, - export), the four lifetime kWh registers,
  cloud_cover_pct, inverters_working, inverters_total;
- pvs_inverter: power_kw, dc_power_kw, lifetime_kwh, temperature_c, state (a string);
- pvs_gateway: uptime_s, comm_errors.
Unknown values are left out (a point with no field is not written). A lifetime register that reads 0, went down
or jumped more than its inverters could make is left out (energy_guard). Writing a point again overwrites it,
so a retry after an unclear failure duplicates nothing. The backlog goes oldest first, up to 5000 lines a POST.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

import requests

from pvs6sup.core.energy_guard import MAX_INVERTER_AC_KW
from pvs6sup.core.models import Reading
from pvs6sup.core.secrets import basic_auth, cut, forms, shown_url, url_secrets
from pvs6sup.settings.sinks import InfluxSettings as Settings
from pvs6sup.sinks.budget import Budget
from pvs6sup.sinks.lifetimes import LifetimeGuard, site_max_kw
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError, Sent
from pvs6sup.sinks.queue import Entry

NAME = "influx"
MAX_LINES = 5000
SITE_LIFETIMES = (
    "production_lifetime_kwh",
    "consumption_lifetime_kwh",
    "grid_import_lifetime_kwh",
    "grid_export_lifetime_kwh",
)
INTEGER_FIELDS = frozenset({"inverters_working", "inverters_total", "comm_errors"})


def _known(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def payload(reading: Reading, site_name: str, zone: tzinfo) -> dict[str, Any]:
    """The facts of one reading, unknown values left out."""
    site, supervisor = reading.site, reading.devices.supervisor
    return {
        "time": int(reading.fetched_at.timestamp()),
        "site": site_name,
        "pvs_site": _known(
            {
                "production_kw": site.production_kw,
                "consumption_kw": site.consumption_kw,
                "grid_kw": site.net_kw,
                **{name: getattr(site, name) for name in SITE_LIFETIMES},
                "cloud_cover_pct": reading.cloud_cover_pct,
                "inverters_working": reading.inverters_working,
                "inverters_total": reading.inverters_total,
            }
        ),
        "pvs_inverter": [
            _known(
                {
                    "serial": inv.serial,
                    "power_kw": inv.power_kw,
                    "dc_power_kw": inv.dc_power_kw,
                    "lifetime_kwh": inv.lifetime_kwh,
                    "temperature_c": inv.temperature_c,
                    "state": inv.state,
                }
            )
            for inv in reading.devices.inverters
        ],
        "pvs_gateway": _known(
            {"uptime_s": supervisor.uptime_s, "comm_errors": supervisor.comm_errors} if supervisor else {}
        ),
    }


# --- line protocol -----------------------------------------------------------------------------


def _tag(value: str) -> str:
    """A tag value: commas, spaces and '=' escaped (and the backslash that escapes them); no newline."""
    text = " ".join(str(value).splitlines())
    for char in ("\\", ",", "=", " "):
        text = text.replace(char, "\\" + char)
    return text


def _field_value(name: str, value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if name in INTEGER_FIELDS:
        return f"{int(value)}i"
    return repr(float(value))


def line(measurement: str, tags: Mapping[str, str], fields: Mapping[str, Any], time_s: int) -> str | None:
    """One line-protocol point, or None when it has no field."""
    if not fields:
        return None
    tag_text = "".join(f",{k}={_tag(v)}" for k, v in tags.items() if v)
    field_text = ",".join(f"{k}={_field_value(k, v)}" for k, v in fields.items())
    return f"{measurement}{tag_text} {field_text} {time_s}"


def _lines(facts: Mapping[str, Any], guard: LifetimeGuard, problems: list[str]) -> list[str]:
    """The reading's points; every lifetime register passes the guard or is left out (and noted in problems)."""
    time_s, site = int(facts["time"]), str(facts.get("site") or "")

    def admit(fields: dict[str, Any], name: str, register: str, max_kw: float | None) -> None:
        if name in fields:
            fields[name], problem = guard.admit(register, fields[name], time_s, max_kw)
            if fields[name] is None:
                del fields[name]
            if problem:
                problems.append(f"{register} {problem}")

    site_fields = dict(facts.get("pvs_site", {}))
    for name in SITE_LIFETIMES:
        limit = site_max_kw(site_fields.get("inverters_total")) if name == "production_lifetime_kwh" else None
        admit(site_fields, name, f"site {name}", limit)
    points = [line("pvs_site", {"site": site}, site_fields, time_s)]
    for inverter in facts.get("pvs_inverter", []):
        fields = {k: v for k, v in inverter.items() if k != "serial"}
        admit(fields, "lifetime_kwh", f"inverter {inverter['serial']} lifetime_kwh", MAX_INVERTER_AC_KW)
        points.append(line("pvs_inverter", {"serial": inverter["serial"], "site": site}, fields, time_s))
    points.append(line("pvs_gateway", {"site": site}, facts.get("pvs_gateway", {}), time_s))
    return [p for p in points if p is not None]


# --- delivery ----------------------------------------------------------------------------------


def _request(settings: Settings) -> tuple[str, dict[str, str], dict[str, str], tuple[str, str] | None]:
    """(url, params, headers, basic auth) of the write endpoint; credentials in headers, never in the URL."""
    base = settings.url.rstrip("/")
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    if settings.v2:
        params = {"org": settings.org or "", "bucket": settings.bucket or "", "precision": "s"}
        if settings.token:
            headers["Authorization"] = f"Token {settings.token}"
        return base + "/api/v2/write", params, headers, None
    auth = (settings.username, settings.password or "") if settings.username else None
    return base + "/write", {"db": settings.database or "", "precision": "s"}, headers, auth


def _message(settings: Settings, response: requests.Response) -> str:
    """InfluxDB's own error text ("error" in 1.x, "message" in 2.x), one short line, secrets masked."""
    try:
        document = response.json()
        text = str(document.get("error") or document.get("message") or "") if isinstance(document, dict) else ""
    except ValueError:
        text = response.text
    return cut(text, _secrets(settings), 200)


def _secrets(settings: Settings) -> list[str]:
    """What this sink sends that is secret, in every form it travels in (the basic-auth header included)."""
    found = [form for secret in (settings.token, settings.password) if secret for form in forms(secret)]
    if settings.username and settings.password:
        found.append(basic_auth(settings.username, settings.password))
    return found + url_secrets(settings.url)


def _failure(settings: Settings, response: requests.Response) -> Exception | None:
    """The error for an answer that is not a written batch; None for a 400 (the batch is dropped)."""
    code, text = response.status_code, _message(settings, response)
    if code == 400:
        return None
    if code in (401, 403):
        if settings.v2:
            return FixConfigError(
                f"InfluxDB refused INFLUX_TOKEN ({code} {text}); use a token that may write to INFLUX_BUCKET"
            )
        return FixConfigError(
            f"InfluxDB refused INFLUX_USERNAME/INFLUX_PASSWORD ({code} {text}); set a user that may write to "
            "INFLUX_DATABASE"
        )
    if code == 404 and settings.v2:
        return FixConfigError(
            f"InfluxDB answered 404 to /api/v2/write ({text}); check INFLUX_ORG and INFLUX_BUCKET, or for InfluxDB "
            "1.x before 1.8 set INFLUX_DATABASE instead of INFLUX_BUCKET"
        )
    if code == 404:
        return FixConfigError(
            f"InfluxDB answered 404 to /write ({text}); create INFLUX_DATABASE ({settings.database}) or fix INFLUX_URL"
        )
    if code == 429 or code >= 500:
        return RetryLaterError(f"InfluxDB answered {code} ({text}); the points wait for the next cycle")
    return FixConfigError(f"InfluxDB answered {code} ({text}); check INFLUX_URL")


def _batches(entries: Sequence[Entry]) -> list[list[Entry]]:
    """Whole readings, at most MAX_LINES points a batch (a reading never splits)."""
    batches: list[list[Entry]] = []
    lines = 0
    for entry in entries:
        size = 2 + len(entry.payload.get("pvs_inverter", []))
        if not batches or lines + size > MAX_LINES:
            batches.append([])
            lines = 0
        batches[-1].append(entry)
        lines += size
    return batches


def send(
    settings: Settings,
    session: requests.Session,
    entries: Sequence[Entry],
    memo: Mapping[str, Any],
    now: datetime,
    deadline_s: float,
) -> Sent:
    """Write the entries oldest first, a batch a POST, as far as the deadline allows."""
    budget = Budget(deadline_s)
    url, params, headers, auth = _request(settings)
    guard = LifetimeGuard(memo.get("lifetimes"))
    committed = dict(memo)
    settled = entries[0].seq - 1 if entries else 0
    dropped, warnings, guarded = 0, list[str](), list[str]()
    for posted, batch in enumerate(_batches(entries)):
        before, problems = guard.memo(), list[str]()
        body = "\n".join(point for entry in batch for point in _lines(entry.payload, guard, problems))
        timeout = budget.timeout()
        if timeout is None:
            break
        try:
            response = budget.post(
                session, url, params=params, data=body.encode("utf-8"), headers=headers, auth=auth, timeout=timeout
            )
        except requests.RequestException as err:
            if posted:  # what went is settled; the failure shows again next cycle if it lasts
                break
            raise RetryLaterError(
                f"InfluxDB: no answer from {shown_url(settings.url)} ({type(err).__name__}); the points wait for "
                "the next cycle"
            ) from err
        if response.status_code not in (200, 204):
            failure = _failure(settings, response)
            if failure is not None:
                if posted:
                    break
                raise failure
            guard.last = {k: list(v) for k, v in before.items()}  # nothing of the refused batch counts as sent
            dropped += len(batch)
            warnings.append(
                f"InfluxDB refused {len(batch)} readings from {batch[0].fetched_at:%Y-%m-%d %H:%M} UTC "
                f"({_message(settings, response)}); dropped"
            )
        else:
            guarded += problems
        committed["lifetimes"] = guard.memo()
        settled = batch[-1].seq
    if guarded:
        more = f" (and {len(guarded) - 1} more)" if len(guarded) > 1 else ""
        warnings.append(f"InfluxDB: {guarded[0]}{more}; those lifetime values were left out")
    return Sent(settled, dropped, tuple(warnings), committed)


def probe(settings: Settings, session: requests.Session, deadline_s: float) -> str | None:
    """None when InfluxDB takes a write with our credentials (an empty one: nothing is written), else the fix."""
    budget = Budget(deadline_s)
    timeout = budget.timeout()
    if timeout is None:
        return "InfluxDB: no time left to check it"
    url, params, headers, auth = _request(settings)
    try:
        response = budget.post(session, url, params=params, data=b"", headers=headers, auth=auth, timeout=timeout)
    except requests.RequestException as err:
        where = shown_url(settings.url)
        return f"InfluxDB: no answer from {where} ({type(err).__name__}); check INFLUX_URL and the network"
    if response.status_code in (200, 204, 400):  # 400: "no points" – the credentials and the target were accepted
        return None
    failure = _failure(settings, response)
    return str(failure) if failure else None
