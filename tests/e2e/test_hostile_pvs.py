"""The PVS at its worst: a table of hostile answers, each run through main() against a raw loopback server.

For every case: the documented exit code, one line on stderr naming the problem (no traceback), the raw
answer kept (bounded) when bytes arrived, no made-up CSV value, and a normal cycle right after works.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, field

import pytest

from pvs6sup.pvs.http import MAX_ANSWER_BYTES
from tests.support.harness import Harness, fixture_bytes
from tests.support.hostile import (
    Behaviour,
    HostileServer,
    close_silently,
    cut_short,
    hang,
    http_answer,
    reply,
    reset,
    trickle,
)

GOOD = fixture_bytes("legacy_build61839_net_loadside/devicelist.json")


def mutated(change) -> bytes:
    document = json.loads(GOOD)
    change(document)
    return json.dumps(document).encode()


def inverter(document, index=0):
    return [d for d in document["devices"] if d["DEVICE_TYPE"] == "Inverter"][index]


def set_all(document, value):
    for device in document["devices"]:
        for key in list(device):
            if key.islower() and key not in ("interface", "origin", "subtype") and not key.endswith("_enum"):
                device[key] = value


def numbers_as_numbers(document):
    for device in document["devices"]:
        for key, value in list(device.items()):
            if key.islower() and isinstance(value, str) and value.replace(".", "").lstrip("-").isdigit():
                device[key] = float(value)


@dataclass
class Case:
    name: str
    behaviour: Behaviour | str  # or what the server does: "hang", "trickle", "refused" (no server)
    exit_code: int
    stderr: str  # a fragment of the one line on stderr ("" for a silent success)
    raw_kept: bool
    csv: dict[str, str] = field(default_factory=dict)  # expected readings.csv cells when recorded


OK_ROW = {"production_kw": "0.9012", "consumption_kw": "0.5", "net_kw": "-0.4012", "inverters_total": "4"}

CASES = [
    Case("no bytes at all (hang)", "hang", 1, "did not answer within 1 s", False),
    Case("bytes trickling past the timeout", "trickle", 1, "still sending after 1 s", False),
    Case("connection refused", "refused", 1, "connection refused", False),
    Case("connection reset", reset, 1, "cannot reach the PVS", False),
    Case("closed without an answer", close_silently, 1, "cannot reach the PVS", False),
    Case("not HTTP at all", reply(b"hello there\r\n\r\n"), 1, "cannot reach the PVS", False),
    Case("body cut short of its Content-Length", cut_short(GOOD[:500]), 1, "the answer was cut off", False),
    Case(
        "403 as on new firmware",
        reply(http_answer(403, b'{"status":403,"error":"Unauthorized","path":""}')),
        1,
        "HTTP 403",
        True,
    ),
    Case("500 from a crashed dl_cgi", reply(http_answer(500, b"Internal Server Error")), 1, "HTTP 500", True),
    Case("503 while busy", reply(http_answer(503, b"")), 1, "HTTP 503", True),
    Case("502 HTML page", reply(http_answer(502, b"<html><h1>502 Bad Gateway</h1></html>")), 1, "HTTP 502", True),
    Case("empty body", reply(http_answer(200, b"")), 1, "empty body", True),
    Case("truncated JSON", reply(http_answer(200, GOOD[: len(GOOD) // 2])), 1, "truncated", True),
    Case(
        "HTTP headers leaked into the body",
        reply(http_answer(200, b"Content-Type: application/json\r\n\r\n" + GOOD)),
        0,
        "",
        True,
        OK_ROW,
    ),
    Case("non-UTF-8 bytes", reply(http_answer(200, b'{"devices": ["\xff\xfe"]}')), 1, "not UTF-8", True),
    Case("a JSON list", reply(http_answer(200, b"[1, 2]")), 1, "a JSON list", True),
    Case("JSON null", reply(http_answer(200, b"null")), 1, "a JSON null", True),
    Case(
        "devices not a list",
        reply(http_answer(200, b'{"devices": {"a": 1}, "result": "succeed"}')),
        1,
        "no 'devices' list",
        True,
    ),
    Case(
        "empty device list",
        reply(http_answer(200, b'{"devices": [], "result": "succeed"}')),
        1,
        "empty device list",
        True,
    ),
    Case(
        "devices that are not objects",
        reply(http_answer(200, b'{"devices": [1, null, "x"]}')),
        1,
        "holds no supervisor, meter or inverter",
        True,
    ),
    Case("numbers as numbers", reply(http_answer(200, mutated(numbers_as_numbers))), 0, "", True, OK_ROW),
    Case(
        "every metric 'nan'",
        reply(http_answer(200, mutated(lambda d: set_all(d, "nan")))),
        0,
        "",
        True,
        {"production_kw": "", "consumption_kw": "", "net_kw": "", "inverters_total": "4"},
    ),
    Case(
        "every metric empty",
        reply(http_answer(200, mutated(lambda d: set_all(d, "")))),
        0,
        "",
        True,
        {"production_kw": "", "consumption_kw": "", "net_kw": "", "pvs_uptime_s": ""},
    ),
    Case(
        "a negative inverter output",
        reply(http_answer(200, mutated(lambda d: inverter(d).update(p_3phsum_kw="-3.5")))),
        0,
        "",
        True,
        OK_ROW,
    ),
    Case(
        "an absurd 1e9 kW meter",
        reply(http_answer(200, mutated(lambda d: d["devices"][1].update(p_3phsum_kw="1e9")))),
        # the meter's value is not believed; production falls back to the inverters' sum
        0,
        "",
        True,
        {"production_kw": "0.9012", "consumption_kw": "0.5", "net_kw": "-0.4012"},
    ),
    Case(
        "duplicate serials",
        reply(http_answer(200, mutated(lambda d: d["devices"].append(dict(inverter(d)))))),
        0,
        "listed twice",
        True,
        OK_ROW,
    ),
    Case(
        "no meters",
        reply(
            http_answer(
                200, mutated(lambda d: d.update(devices=[x for x in d["devices"] if x["DEVICE_TYPE"] != "Power Meter"]))
            )
        ),
        0,
        "",
        True,
        {"production_kw": "0.9012", "consumption_kw": "", "net_kw": ""},
    ),
    Case("a 50 MB body", reply(http_answer(200, b" " * (50 * 1024 * 1024))), 1, "larger than 8 MiB", True),
    Case(
        "deeply nested JSON",
        reply(http_answer(200, b'{"devices": ' + b"[" * 50000 + b"]" * 50000 + b"}")),
        1,
        "nested too deeply",
        True,
    ),
    Case(
        "a gzip claim over plain bytes",
        reply(http_answer(200, GOOD, headers="Content-Encoding: gzip\r\n")),
        1,
        "cannot reach the PVS",
        False,
    ),
]


def readings(harness: Harness) -> list[dict[str, str]]:
    path = harness.data_dir / "readings.csv"
    if not path.exists():
        return []
    with path.open() as handle:
        return list(csv.DictReader(handle))


def raw_bodies(harness: Harness) -> list[bytes]:
    folder = harness.data_dir / "raw"
    return [gzip.decompress(p.read_bytes()) for p in sorted(folder.rglob("*.json.gz"))] if folder.exists() else []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.slow
def test_hostile_answer(case: Case, harness: Harness):
    with HostileServer() as server:
        if case.behaviour == "hang":
            server.behaviour = hang(server.release)
        elif case.behaviour == "trickle":
            server.behaviour = trickle(server.release)
        elif not isinstance(case.behaviour, str):
            server.behaviour = case.behaviour
        url = "http://127.0.0.1:9" if case.behaviour == "refused" else server.base_url
        harness.env.update({"PVS_HOST": url, "PVS_TIMEOUT": "1", "WEATHER_PROVIDER": "none"})

        result = harness.run("run")

        assert result.code == case.exit_code, result.stderr
        assert "Traceback" not in result.stderr
        if case.stderr:
            assert case.stderr in result.stderr
            assert result.stderr.count("\n") == 1, result.stderr
        else:
            assert result.stderr == ""
        bodies = raw_bodies(harness)
        assert bool(bodies) == case.raw_kept
        assert all(len(body) <= MAX_ANSWER_BYTES for body in bodies)
        rows = readings(harness)
        if case.exit_code == 0:
            [row] = rows
            for column, expected in case.csv.items():
                assert row[column] == expected, column
        else:
            assert rows == []

        # The next cycle, against a PVS that behaves, works.
        server.release.set()
        server.behaviour = reply(http_answer(200, GOOD))
        harness.env["PVS_HOST"] = server.base_url
        harness.clock.advance(minutes=5)
        after = harness.run("run")
        assert (after.code, after.stderr) == (0, "")
        assert readings(harness)[-1]["production_kw"] == "0.9012"
