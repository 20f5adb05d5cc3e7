"""Issue #23, item 5: strings from a hostile PVS reach no spreadsheet as a formula and no file, sink or terminal
with control characters; negative numbers stay numbers (main() against a real server on 127.0.0.1)."""

from __future__ import annotations

import csv
import json
import re
import unicodedata

from pvs6sup.core.values import printable, text
from tests.support.harness import Harness, fixture_bytes
from tests.support.hostile import HostileServer, http_answer

HOSTILE = {
    "E00X00000000001": '=HYPERLINK("http://evil","x")',
    "E00X00000000002": "+1+cmd|' /C calc'!A0",
    "E00X00000000003": "-2+3",
    "E00X00000000004": "@SUM(1)",
    "E00X00000000005": "\tE00\rX5\x00",
    "E00X00000000006": "E00\x1b[31mX6\u202e",
}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def hostile_answer() -> bytes:
    document = json.loads(fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
    for device in document["devices"]:
        if device.get("SERIAL") in HOSTILE:
            device["SERIAL"] = HOSTILE[device["SERIAL"]]
            device["STATE"] = "=1+1"
            device["MODEL"] = "AC\x1b]0;pwned\x07\u202eE"
    return json.dumps(document).encode()


def test_the_one_cleaning_place():
    assert text("=1+1") == "'=1+1" and text("-x") == "'-x" and text("@a") == "'@a" and text("+a") == "'+a"
    assert text("\tE\r0\x00\u202e") == "E0" and text("\x1b") is None
    assert printable("a\x1b[2Jb\nc") == "a\\x1b[2Jb\nc"


def test_hostile_pvs_strings_are_neutralised_in_every_csv_sink_and_terminal(harness: Harness, tmp_path):
    body = hostile_answer()
    with HostileServer(behaviour=lambda conn: conn.sendall(http_answer(200, body))) as server:
        textfile = tmp_path / "pvs6.prom"
        harness.env.update(
            {
                "PVS_HOST": server.base_url,
                "WEATHER_PROVIDER": "none",
                "MAX_CLOCK_SKEW": "0",
                "PROMETHEUS_TEXTFILE": str(textfile),
            }
        )
        assert harness.run().code == 0
        status = harness.run("status")
    assert status.code == 0, status.stderr
    data = harness.data_dir
    with (data / "inverters-2026-06.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for name in ("serial", "state"):
            assert not row[name].startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert {row["state"] for row in rows if row["serial"].startswith("'")} == {"'=1+1"}
    with (data / "readings.csv").open(newline="") as handle:
        reading = next(csv.DictReader(handle))
    assert reading["net_kw"].startswith("-") and float(reading["net_kw"]) < 0  # a number, not neutralised
    for path in [data / "readings.csv", data / "inverters-2026-06.csv", textfile]:
        found = CONTROL.findall(path.read_text())
        assert not found, (path.name, found)
    for output in (status.stdout, status.stderr):
        assert not [c for c in output if unicodedata.category(c) in ("Cc", "Cf") and c != "\n"], output
