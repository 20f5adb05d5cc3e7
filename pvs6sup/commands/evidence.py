"""The evidence command: gather what DATA_DIR knows of one inverter (nothing from the PVS) and write
evidence-<serial>.html and evidence-<serial>.csv for an installer or a warranty claim.

Read: daily.csv (its daily energy and its siblings'), alerts-shares.json and the alert state (its learned
normal's daily figures, its siblings, an open incident and when its shortfall began), alerts-history.jsonl (the
alerts raised and resolved), and the raw archive (its model and firmware from the newest capture; the captures
of the days that show the problem, named, not embedded). The figures are made in report/evidence.py.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

from pvs6sup.core.rollup import SITE
from pvs6sup.core.values import stamp_time
from pvs6sup.errors import ConfigError, StorageError, SupervisorError
from pvs6sup.report.evidence import Capture, Evidence, day_figures, evidence_csv, file_name, match_serial
from pvs6sup.settings.config import Config
from pvs6sup.store import archive, rollup_file
from pvs6sup.store.alert_log import LOG_FILE
from pvs6sup.store.files import atomic_write

INVERTER_KEY = "inverter:"  # an inverter incident's key in the alert state
MODEL_LOOKBACK_DAYS = 7  # the newest capture is looked for in the archive's last days


def capture_files(data_dir: Path, day: date) -> list[Path]:
    """The raw captures of one UTC day, by name: loose (DATA_DIR/raw/YYYY/MM/DD/*.json.gz) and packed (addressed
    as raw/YYYY/MM/YYYY-MM-DD.tar.gz/NAME, as replay reads them); clock-skewed ones left out. The one place the
    evidence lists the archive."""
    import tarfile

    from pvs6sup.store.packing import PackedReader, is_capture, packed_path

    folder = archive.raw_path(data_dir, datetime(day.year, day.month, day.day, tzinfo=timezone.utc)).parent
    packed = packed_path(data_dir, day)
    found: list[Path] = []
    try:
        if folder.is_dir():
            found += [p for p in folder.iterdir() if is_capture(p.name)]
        if packed.is_file():
            found += [packed / name for name in PackedReader().members(packed)]
    except (OSError, EOFError, tarfile.TarError) as err:
        raise StorageError(f"cannot list the captures of {day} (UTC) in {folder.parent}: {err}") from err
    return sorted((p for p in found if f".{archive.CLOCK_SKEW}." not in p.name), key=lambda p: p.name)


def _where(paths: list[Path], data_dir: Path) -> str:
    """The folder or packed day (or both) the captures are in, relative to DATA_DIR."""
    return " and ".join(sorted({str(p.parent.relative_to(data_dir)) for p in paths}))


def known_serials(daily: dict[str, dict[date, float | None]], state_serials: list[str], shares: list[str]) -> list[str]:
    return sorted(set(daily) | set(state_serials) | set(shares))


def choose(ending: str, serials: list[str]) -> str:
    """The serial `ending` names; ConfigError naming the candidates when it names none or several."""
    found, candidates = match_serial(ending, serials)
    if found is not None:
        return found
    if candidates:
        raise ConfigError(
            [
                f"evidence: {ending!r} is the ending of {len(candidates)} inverters ({', '.join(candidates)}); "
                "give more of the serial's last characters"
            ]
        )
    known = ", ".join(serials) if serials else "none recorded yet"
    raise ConfigError(
        [
            f"evidence: no inverter's serial ends with {ending!r} (known: {known}); give the serial or its last "
            "characters as `status` or the report lists them"
        ]
    )


def _history(data_dir: Path, serial: str) -> list[dict[str, Any]]:
    """This inverter's raised and resolved events, oldest first."""
    path = data_dir / LOG_FILE
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as err:
        raise StorageError(f"cannot read {path}: {err.strerror or err}") from err
    found = []
    for line in text.splitlines():
        try:
            event = json.loads(line)
            if event.get("serial") == serial and event.get("event") in ("raised", "resolved"):
                event["time"] = datetime.fromisoformat(event["time"])
                found.append(event)
        except (ValueError, TypeError, AttributeError, KeyError):
            continue  # a torn or foreign line: the rest still tells
    return found


def _incident(saved: Any, serial: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The open incident (from the state) or the latest one of the history, as one dict."""
    open_ = saved.incidents.get(f"{INVERTER_KEY}{serial}")
    if open_ is not None:
        return {
            "kind": open_.kind,
            "message": open_.message,
            "raised_at": open_.raised_at,
            "resolved_at": None,
            "cause": open_.cause,
            "why": open_.evidence,
            "lost_kwh": open_.lost_kwh,
        }
    raised = [i for i, e in enumerate(events) if e["event"] == "raised"]
    if not raised:
        return {}
    first = events[raised[-1]]
    resolved = next((e for e in events[raised[-1] + 1 :] if e["event"] == "resolved"), None)
    told = resolved or first
    lost = told.get("lost_kwh") if resolved else None  # at its raising: a small part (the state lost the rest)
    return {
        "kind": first.get("kind", ""),
        "message": str(first.get("message", "")),
        "raised_at": first["time"],
        "resolved_at": resolved["time"] if resolved else None,
        "cause": str(told.get("cause") or ""),
        "why": str(told.get("evidence") or ""),
        "lost_kwh": float(lost) if isinstance(lost, (int, float)) else None,
    }


def _low_since(track: Any, raised_at: datetime | None) -> datetime | None:
    """Its first low reading (the diagnosis' clue) when it belongs to this incident: within a month before it."""
    from pvs6sup.alerts import diagnosis

    if (
        track is None
        or raised_at is None
        or len(track.clues) != diagnosis.CLUES
        or track.clues[diagnosis.LOW_SINCE] <= 0
    ):
        return None
    since = datetime.fromtimestamp(track.clues[diagnosis.LOW_SINCE] * 3600, timezone.utc)
    return since if raised_at - timedelta(days=30) <= since <= raised_at else None


def _device(data_dir: Path, serial: str, today: date) -> tuple[str | None, str | None]:
    """(model, firmware) of the inverter in the newest capture of the archive's last days; None where not said."""
    import tarfile

    from pvs6sup.pvs.devicelist import decode_json
    from pvs6sup.pvs.parse import parse_capture
    from pvs6sup.store.packing import PackedReader

    reader = PackedReader()

    for back in range(MODEL_LOOKBACK_DAYS + 1):
        for path in reversed(capture_files(data_dir, today - timedelta(days=back))[-5:]):
            try:
                body = reader.read(path)
                found = [inv for inv in parse_capture(body).inverters if inv.serial == serial]
            except (OSError, EOFError, ValueError, KeyError, tarfile.TarError, SupervisorError):
                continue
            if not found:
                continue
            document = decode_json(body)
            devices = document.get("devices") if isinstance(document, dict) else None  # legacy firmware: SWVER
            firmware = next(
                (
                    str(d.get("SWVER"))
                    for d in devices or []
                    if isinstance(d, dict) and d.get("SERIAL") == serial and d.get("SWVER")
                ),
                None,
            )
            return found[0].model, firmware
    return None, None


def _captures(data_dir: Path, began: datetime | None, today: date) -> list[Capture]:
    """The archive's days that show it: the day before it began, the day it began, and the latest day."""
    wanted: list[tuple[str, date, datetime | None]] = []
    if began is not None:
        start = began.astimezone(timezone.utc).date()
        wanted += [
            ("the day before it began (UTC)", start - timedelta(days=1), None),
            ("the day it began (UTC)", start, began),
        ]
    latest = next(
        (
            today - timedelta(days=b)
            for b in range(MODEL_LOOKBACK_DAYS + 1)
            if capture_files(data_dir, today - timedelta(days=b))
        ),
        None,
    )
    if latest is not None and all(latest != day for _, day, _ in wanted):
        wanted.append(("the latest day (UTC)", latest, None))
    out = []
    for label, day, moment in wanted:
        files = capture_files(data_dir, day)
        if not files:
            continue
        nearest = ""
        if moment is not None:
            timed = [(abs((t - moment).total_seconds()), p.name) for p in files if (t := stamp_time(p.name))]
            nearest = min(timed)[1] if timed else ""
        folder = _where(files, data_dir)
        out.append(Capture(label, folder, len(files), files[0].name, files[-1].name, nearest))
    return out


def gather(config: Config, ending: str, now: datetime, days: int) -> Evidence:
    """Everything the page and the CSV say, from DATA_DIR."""
    from pvs6sup.alerts import normal_files, state

    data_dir = config.data_dir
    if not data_dir.is_dir():
        raise ConfigError([f"evidence: DATA_DIR {data_dir} does not exist: nothing recorded yet (check DATA_DIR)"])
    today = now.astimezone(config.timezone).date()
    newest = rollup_file.newest_day(data_dir)
    last = min(today - timedelta(days=1), newest or today)  # a folder copied from elsewhere ends before today
    first = last - timedelta(days=days - 1)
    daily: dict[str, dict[date, float | None]] = {}
    for row in rollup_file.read_since(data_dir, first):
        if row.serial != SITE and row.day <= last:
            daily.setdefault(row.serial, {})[row.day] = row.energy_kwh
    saved = state.load(data_dir)
    shares = normal_files.read_shares(data_dir)
    serials = known_serials(daily, list(saved.detector.inverters), list(shares))
    if not serials:
        raise ConfigError(
            [f"evidence: {data_dir} holds no inverter's daily figures yet (daily.csv): run the cycle for a day first"]
        )
    serial = choose(ending, serials)
    track = saved.detector.inverters.get(serial)
    siblings = [s for s in (track.siblings if track else []) if s in daily]
    how = "those the alerts compare it with, on its roof face or in its INVERTER_GROUPS group"
    if len(siblings) < 2:
        siblings, how = (
            [s for s in daily if s != serial],
            "every other inverter: the alerts have not found its siblings yet",
        )
    incident = _incident(saved, serial, _history(data_dir, serial))
    raised_at: datetime | None = incident.get("raised_at")
    low = _low_since(track, raised_at) if incident.get("resolved_at") is None else None
    began = low or raised_at
    judged = {
        date.fromisoformat(str(day)): (float(made), float(expected)) for day, made, expected in shares.get(serial, [])
    }
    shown = [first + timedelta(days=i) for i in range(days)]
    figures = day_figures(
        shown,
        daily.get(serial, {}),
        {s: daily[s] for s in siblings},
        judged,
        began.astimezone(config.timezone).date() if began else None,
    )
    anchor = min(now.astimezone(timezone.utc).date(), last + timedelta(days=2))  # the archive's days are UTC
    model, firmware = _device(data_dir, serial, anchor)
    lat, lon = config.report.latitude, config.report.longitude
    location = f"{lat:g}, {lon:g}" if lat is not None and lon is not None else ""
    zone = config.timezone
    return Evidence(
        serial=serial,
        site_name=config.site_name,
        generated_at=now.astimezone(zone),
        zone_name=str(getattr(zone, "key", zone)),
        model=model,
        firmware=firmware,
        location=location,
        siblings=tuple(sorted(siblings)),
        siblings_how=how,
        days=figures,
        began_at=began.astimezone(zone) if began else None,
        raised_at=raised_at.astimezone(zone) if raised_at else None,
        resolved_at=incident["resolved_at"].astimezone(zone) if incident.get("resolved_at") else None,
        kind=str(incident.get("kind", "")),
        message=str(incident.get("message", "")),
        cause=str(incident.get("cause", "")),
        why=str(incident.get("why", "")),
        lost_kwh=incident.get("lost_kwh"),
        captures=tuple(_captures(data_dir, began, anchor)),
    )


def write_evidence(config: Config, ending: str, now: datetime, days: int, out_dir: Path) -> tuple[Path, Path]:
    """Write the page and the CSV (atomically) into out_dir; returns their paths."""
    from pvs6sup.report.evidence_page import render_evidence

    evidence = gather(config, ending, now, days)
    page = out_dir / file_name(evidence.serial, "html")
    table = out_dir / file_name(evidence.serial, "csv")
    atomic_write(table, evidence_csv(evidence.days).encode("utf-8"))
    atomic_write(page, render_evidence(evidence).encode("utf-8"))
    return page, table


def run_evidence(
    config: Config, ending: str, now: datetime, days: int, out_dir: Path, stdout: TextIO
) -> tuple[Path, Path]:
    """The evidence command: write the two files and print their paths."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError([f"evidence --out: {out_dir} is a file, not a folder; give a folder (it is made if need be)"])
    page, table = write_evidence(config, ending, now, days, out_dir)
    stdout.write(f"{page}\n{table}\n")
    return page, table
