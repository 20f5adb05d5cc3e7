"""Firmware detection from supervisor/info: which API a PVS speaks. Pure."""

import json
from datetime import datetime, timezone

import pytest

from pvs6sup.pvs import firmware
from pvs6sup.pvs.firmware import LEGACY, VARSERVER, FirmwareInfo, choose_path, parse_supervisor_info
from tests.support.harness import SHARED_CAPTURES


def info_body(**supervisor):
    return json.dumps({"result": "succeed", "supervisor": supervisor}).encode()


@pytest.mark.parametrize(
    "supervisor, path",
    [
        ({"MODEL": "PVS6", "BUILD": 61845, "SWVER": "2025.09, Build 61845"}, VARSERVER),
        ({"MODEL": "PVS6", "BUILD": 61840, "SWVER": "2025.06, Build 61840"}, VARSERVER),
        ({"MODEL": "PVS6", "BUILD": 61839, "SWVER": "2025.06, Build 61839"}, LEGACY),
        ({"MODEL": "PVS6", "SWVER": "2019.5, Build 4150"}, LEGACY),
        ({"MODEL": "PVS5", "SWVER": "2025.11, Build 5412", "FWVER": "0.0.0"}, VARSERVER),  # no BUILD
        ({"MODEL": "PVS5", "SWVER": "2025.11"}, VARSERVER),  # no build number at all
        ({"MODEL": "PVS5", "SWVER": "2019.3, Build 3003"}, LEGACY),
        ({"MODEL": "PVS6", "BUILD": "61846"}, VARSERVER),  # a string BUILD
    ],
)
def test_the_path_follows_the_model_and_build(supervisor, path):
    assert choose_path(parse_supervisor_info(info_body(**supervisor))) == path


def test_a_pvs5_without_build_reads_its_build_from_swver():
    info = parse_supervisor_info(info_body(MODEL="PVS5", SWVER="2025.11, Build 5412", SERIAL="ZT180000000000X0002"))
    assert (info.model, info.build) == ("PVS5", 5412)


@pytest.mark.parametrize(
    "body",
    [b"", b"<html>404</html>", b"[]", b'{"devices": []}', b'{"supervisor": "x"}', b"\xff", b'{"supervisor": {}}'],
)
def test_an_answer_that_is_no_supervisor_info_gives_no_facts_and_the_legacy_path(body):
    assert parse_supervisor_info(body) is None
    assert choose_path(None) == LEGACY


@pytest.mark.parametrize("override", [LEGACY, VARSERVER])
def test_pvs_firmware_overrides_detection(override):
    new = FirmwareInfo("PVS6", 61845, "2025.09, Build 61845")
    old = FirmwareInfo("PVS6", 61839, "2025.06, Build 61839")
    assert choose_path(new, override) == choose_path(old, override) == override


def test_the_serial_is_parsed_but_never_shown_nor_cached():
    info = parse_supervisor_info(info_body(MODEL="PVS6", BUILD=61845, SERIAL="ZT0000000000X0042"))
    assert info.serial == "ZT0000000000X0042"
    assert "X0042" not in repr(info)
    when = datetime(2026, 6, 21, tzinfo=timezone.utc)
    data = firmware.cache_document(info, VARSERVER, when)
    assert b"X0042" not in data
    assert firmware.read_cache_document(data) == (FirmwareInfo("PVS6", 61845, None), VARSERVER, when)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{}",
        b'{"checked_at": "x", "path": "legacy"}',
        b'{"checked_at": "2026-01-01T00:00:00+00:00", "path": "ftp"}',
    ],
)
def test_a_damaged_cache_is_ignored(data):
    assert firmware.read_cache_document(data) is None


def test_describe_names_the_path_model_and_build():
    text = firmware.describe(VARSERVER, FirmwareInfo("PVS6", 61845, None), "https")
    assert text == "varserver (/vars, logged in) over https (PVS6, build 61845)"


SUPERVISOR_CAPTURES = sorted(SHARED_CAPTURES.glob("supervisor-info_*.json")) if SHARED_CAPTURES.is_dir() else []


@pytest.mark.skipif(not SUPERVISOR_CAPTURES, reason="../shared/pvs-captures is not beside the project")
@pytest.mark.parametrize("path", SUPERVISOR_CAPTURES, ids=lambda p: p.name[16:])
def test_every_real_supervisor_info_capture_gives_the_documented_path(path):
    info = parse_supervisor_info(path.read_bytes())
    expected = VARSERVER if ("61845" in path.name or "pvs5" in path.name) else LEGACY
    assert choose_path(info) == expected
    assert info.build == int(path.stem.rsplit("build", 1)[1])
