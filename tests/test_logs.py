"""The log file: private, rotated once it holds LOG_MAX_BYTES, LOG_BACKUPS kept."""

from __future__ import annotations

import io
import logging
import stat
from pathlib import Path

import pytest

from pvs6sup import logs


def test_the_log_file_rotates_past_its_size_and_keeps_five(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "LOG_MAX_BYTES", 200)
    with logs.configured_logging(io.StringIO(), 0) as logger:
        logs.add_log_file(logger, tmp_path)
        for number in range(60):
            logger.info("cycle %02d %s", number, "x" * 40)
    folder = tmp_path / "logs"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [logs.LOG_FILE] + [f"{logs.LOG_FILE}.{n}" for n in range(1, logs.LOG_BACKUPS + 1)]
    newest = (folder / logs.LOG_FILE).read_text()
    assert "cycle 59" in newest and (folder / f"{logs.LOG_FILE}.1").stat().st_size >= 200
    older = (folder / f"{logs.LOG_FILE}.1").read_text()
    assert int(older.rsplit("cycle ", 1)[1][:2]) < int(newest.split("cycle ", 1)[1][:2])  # .1 holds the lines before
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_log_file_under_the_limit_is_appended_to(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir(mode=0o700)
    (tmp_path / "logs" / logs.LOG_FILE).write_text("an earlier run\n")
    with logs.configured_logging(io.StringIO(), 0) as logger:
        logs.add_log_file(logger, tmp_path)
        logger.log(logging.INFO, "this run")
    assert (tmp_path / "logs" / logs.LOG_FILE).read_text().splitlines()[0] == "an earlier run"
    assert not (tmp_path / "logs" / f"{logs.LOG_FILE}.1").exists()
