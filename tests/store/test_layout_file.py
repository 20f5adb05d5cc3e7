"""LAYOUT_FILE read from disk: a file it cannot use is one ConfigError line naming it and the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pvs6sup.errors import ConfigError
from pvs6sup.store import layout_file
from pvs6sup.store.layout_file import read_layout

SERIALS = ["E00X00000001", "E00X00000002"]
GOOD = "serialNumber,xCoordinate,yCoordinate,rotation,azimuth,orientation\n0001,0,0,0,180,portrait\n"


def problem(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        read_layout(path, SERIALS)
    [line] = caught.value.problems
    assert line.startswith(f"LAYOUT_FILE {path}") and "\n" not in line
    return line


def test_a_good_file_is_placed(tmp_path: Path) -> None:
    path = tmp_path / "layout.csv"
    path.write_text(GOOD)
    [panel] = read_layout(path, SERIALS)
    assert panel.serial == "E00X00000001"


def test_no_such_file(tmp_path: Path) -> None:
    assert problem(tmp_path / "nowhere.csv").endswith("no such file; correct the path, or unset LAYOUT_FILE")


def test_a_folder_or_an_unreadable_file(tmp_path: Path) -> None:
    assert "cannot be read" in problem(tmp_path)
    if os.geteuid() != 0:  # root reads anything
        path = tmp_path / "layout.csv"
        path.write_text(GOOD)
        path.chmod(0)
        assert "check its permissions" in problem(path)


def test_not_utf8_and_too_large(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "layout.csv"
    path.write_bytes(GOOD.encode("utf-16"))
    assert "not UTF-8 text; save it again as CSV (UTF-8)" in problem(path)
    monkeypatch.setattr(layout_file, "MAX_BYTES", 20)
    path.write_text(GOOD)
    assert "not a layout CSV" in problem(path)
