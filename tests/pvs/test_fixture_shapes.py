"""Every fixture folder (tests/fixtures/<firmware>_<variant>/) parsed, and its figures checked against expected.json.

The fixtures are the project's own made-up captures, one per shape the parsers accept (legacy DeviceList from
2019 to 2025 firmware, the 2025 firmware's /vars answers and this program's archive of them, supervisor/info of
both generations, the 403 refusal), so the parsers are proven without ../shared. Each expected.json holds the
figures written into its capture by hand; a key left out is not checked, a list is checked entry by entry.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pvs6sup.core.site import derive_site
from pvs6sup.errors import PVSAnswerError
from pvs6sup.pvs.firmware import choose_path, parse_supervisor_info
from pvs6sup.pvs.parse import parse_capture
from tests.support.harness import FIXTURES, SHARED_CAPTURES

FOLDERS = sorted(path for path in FIXTURES.iterdir() if path.is_dir())
ANSWERS = ("devicelist.json", "devicelist.txt", "vars.json", "archive.json", "supervisor_info.json")
MADE_UP_SERIAL = re.compile(r"^(ZT0+X\d{4}|E0+\d+|E00X0+\d+|PVS6M00X\d{4}[pc]?|[A-Z]{2,3}0+X\d{4}|xxx|n/a|)$")


def _answer(folder: Path) -> Path:
    found = [folder / name for name in ANSWERS if (folder / name).exists()]
    assert len(found) == 1, f"{folder.name} must hold exactly one of {ANSWERS}"
    return found[0]


def _expected(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "expected.json").read_text())


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _check(record: Any, expected: dict[str, Any], where: str) -> None:
    for key, want in expected.items():
        got = _plain(getattr(record, key))
        assert got == want, f"{where}.{key}: {got!r}, expected {want!r}"


def _check_devices(folder: Path, expected: dict[str, Any]) -> None:
    devices = parse_capture(_answer(folder).read_bytes())
    if "supervisor" in expected:
        if expected["supervisor"] is None:
            assert devices.supervisor is None
        else:
            _check(devices.supervisor, expected["supervisor"], "supervisor")
    for kind in ("meters", "inverters"):
        records = getattr(devices, kind)
        assert [r.serial for r in records] == [e["serial"] for e in expected[kind]], kind
        for index, (record, want) in enumerate(zip(records, expected[kind], strict=True)):
            _check(record, want, f"{kind}[{index}]")
    assert len(devices.warnings) == len(expected["warnings"]), devices.warnings
    for warning, part in zip(devices.warnings, expected["warnings"], strict=True):
        assert part in warning
    if "site" in expected:
        _check(derive_site(devices), expected["site"], "site")


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_every_fixture_folder_parses_to_its_expected_figures(folder: Path) -> None:
    expected = _expected(folder)
    if "known_gap" not in expected:
        _check_folder(folder, expected)
        return
    try:  # a gap is checked too: it must still fail, so that its fix is noticed and the mark removed
        _check_folder(folder, expected)
    except AssertionError:
        pytest.xfail(expected["known_gap"])
    pytest.fail(f"{folder.name} now parses as expected: remove its known_gap")


def _check_folder(folder: Path, expected: dict[str, Any]) -> None:
    answer = _answer(folder)
    if "error" in expected:
        with pytest.raises(PVSAnswerError, match=re.escape(expected["error"])):
            parse_capture(answer.read_bytes())
        assert parse_supervisor_info(answer.read_bytes()) is None
    elif "firmware" in expected:
        info = parse_supervisor_info(answer.read_bytes())
        assert info is not None
        _check(info, expected["firmware"], "supervisor/info")
        assert choose_path(info) == expected["path"]
    else:
        _check_devices(folder, expected)


def test_every_shape_the_parsers_accept_has_a_folder() -> None:
    names = {folder.name for folder in FOLDERS}
    prefixes = (
        "legacy_build4150_",
        "legacy_build61839_",
        "varserver_61840_",
        "varserver_61845_",
        "varserver_61846_",
        "supervisor_info_pvs5_",
        "supervisor_info_pvs6_",
        "error_403",
    )
    for prefix in prefixes:
        assert any(name.startswith(prefix) for name in names), f"no fixture folder {prefix}*"
    kinds = {_answer(folder).name for folder in FOLDERS}
    assert kinds == set(ANSWERS), f"answer kinds covered: {sorted(kinds)}"


def _serials(folder: Path) -> set[str]:
    textual = _answer(folder).read_text(encoding="utf-8", errors="replace")
    return set(re.findall(r'"(?:SERIAL|sn|[^"]*/sn)"\s*:\s*"([^"]*)"', textual))


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_fixture_serials_are_made_up(folder: Path) -> None:
    invented = {serial for serial in _serials(folder) if not MADE_UP_SERIAL.match(serial)}
    assert not invented, f"{folder.name}: serials not in the made-up style (ZT000…X0009, E000…): {invented}"


@pytest.mark.skipif(not SHARED_CAPTURES.is_dir(), reason="../shared/pvs-captures is not beside the project")
def test_no_real_capture_serial_is_in_the_fixtures() -> None:
    real: set[str] = set()
    for capture in SHARED_CAPTURES.iterdir():
        textual = capture.read_text(encoding="utf-8", errors="replace")
        real |= set(re.findall(r'"(?:SERIAL|sn|[^"]*serialnum|[^"]*/sn)"\s*:\s*"([^"]{6,})"', textual))
    assert real, "the pattern found no serial in the real captures"
    for path in FIXTURES.rglob("*"):
        if path.is_file():
            textual = path.read_text(encoding="utf-8", errors="replace")
            leaked = {serial for serial in real if serial in textual}
            assert not leaked, f"{path.relative_to(FIXTURES)} holds a real capture's serial"
