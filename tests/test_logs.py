"""The log file: private, rotated once it holds LOG_MAX_BYTES, LOG_BACKUPS kept."""

from __future__ import annotations

import io
import logging
import os
import stat
import threading
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


def test_a_rotation_that_fails_loses_a_line_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log folder that refuses the rename: no exception reaches the program, and logging resumes once it can."""
    monkeypatch.setattr(logs, "LOG_MAX_BYTES", 100)
    log_file = tmp_path / "logs" / logs.LOG_FILE

    def refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    with logs.configured_logging(io.StringIO(), 0) as logger:
        logs.add_log_file(logger, tmp_path)
        logger.info("x" * 150)  # the file is full after this line
        with monkeypatch.context() as patched:
            patched.setattr(logs.os, "replace", refuse)
            logger.info("lost: the rotation failed")
            logger.warning("kept: the file is opened again")  # and no exception reaches the program
        logger.info("after the folder was mended")
    rotated = (tmp_path / "logs" / f"{logs.LOG_FILE}.1").read_text()
    assert "kept: the file is opened again" in rotated and "lost" not in rotated + log_file.read_text()
    assert log_file.read_text().endswith("after the folder was mended\n")


def test_a_log_that_is_a_pipe_gets_every_line(tmp_path: Path) -> None:
    """A log linked to a FIFO (or /dev/stderr) cannot be measured or rotated: it is written to all the same."""
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o700)
    os.mkfifo(folder / logs.LOG_FILE)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append((folder / logs.LOG_FILE).read_bytes()))
    reader.start()
    with logs.configured_logging(io.StringIO(), 0) as logger:
        logs.add_log_file(logger, tmp_path)
        logger.info("first line")
        logger.info("second line")
    reader.join(timeout=30)
    assert b"first line" in received[0] and b"second line" in received[0]
