"""Logging for cron: quiet stderr (one line per problem), and a rotating, private log file."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from io import TextIOWrapper
from pathlib import Path
from typing import TextIO

from pvs6sup.core.secrets import scrub
from pvs6sup.errors import StorageError
from pvs6sup.store.files import PRIVATE_FILE, private_dir
from pvs6sup.store.os_errors import storage_error

LOGGER_NAME = "pvs6sup"
LOG_FILE = "pvs6-supervisor.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5


def _full(stream: TextIO) -> bool:
    try:
        return stream.tell() >= LOG_MAX_BYTES
    except OSError:  # a pipe or a FIFO (a log linked to /dev/stderr): nothing to rotate
        return False


class _PrivateLogFile(logging.FileHandler):
    """A log file readable by this user only, rotated (.1 to .LOG_BACKUPS) once it holds LOG_MAX_BYTES.

    What logging.handlers.RotatingFileHandler does, without importing logging.handlers (and pickle with
    it): 2 ms of every cron run.
    """

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
        return os.fdopen(fd, "a", encoding=self.encoding or "utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        # Whatever fails here (a folder that cannot take the rename, a deleted log) loses this line only:
        # the stream is None until it opens again, and the next line tries again.
        try:
            if self.stream is None:
                self.stream = self._open()
            elif _full(self.stream):
                stream, self.stream = self.stream, None
                stream.close()
                self._shift_backups()
                self.stream = self._open()
        except Exception:
            return self.handleError(record)
        logging.StreamHandler.emit(self, record)

    def _shift_backups(self) -> None:
        base = self.baseFilename
        for number in range(LOG_BACKUPS - 1, 0, -1):
            if os.path.exists(f"{base}.{number}"):
                os.replace(f"{base}.{number}", f"{base}.{number + 1}")
        os.replace(base, f"{base}.1")

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # a full disk refuses the last buffered lines: they were on stderr; no traceback for it
            self.stream = None

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (the stdlib's name)
        # A full disk must not print logging's own traceback into cron's mail; stderr still has the line.
        return


class _ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"pvs6-supervisor: {record.levelname.lower()}: {message}"
        return message


class _ZonedFormatter(logging.Formatter):
    """Stamps lines like the CSVs: ISO 8601 in the site's zone with its offset (the system's until it is known)."""

    zone: tzinfo | None = None

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (stdlib)
        return datetime.fromtimestamp(record.created, self.zone).astimezone(self.zone).isoformat(timespec="seconds")


def stamp_in_zone(logger: logging.Logger, zone: tzinfo) -> None:
    """From now on, the log file's lines carry the site's time (TIMEZONE), as the CSVs do."""
    for handler in logger.handlers:
        if isinstance(handler.formatter, _ZonedFormatter):
            handler.formatter.zone = zone


def masked(text: str, secrets: tuple[str, ...]) -> str:
    """text with every secret value replaced by ***, and the start of one a cut quote left (core/secrets.py)."""
    return scrub(text, secrets)


class _Redactor(logging.Filter):
    """Masks secret values in every record, a last line of defence behind careful messages."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = masked(message, self.secrets)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


def redact(logger: logging.Logger, secrets: tuple[str, ...]) -> None:
    """From now on, mask these values in everything the logger's handlers write."""
    redactor = _Redactor(tuple(s for s in secrets if len(s) >= 4))
    for handler in logger.handlers:
        handler.addFilter(redactor)


@contextmanager
def configured_logging(stderr: TextIO, verbosity: int) -> Iterator[logging.Logger]:
    """Route the package's logs to stderr for the block: warnings only, -v info, -vv debug."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    console = logging.StreamHandler(stderr)
    console.setLevel(logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG)
    console.setFormatter(_ConsoleFormatter())
    logger.addHandler(console)
    try:
        yield logger
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()


def add_log_file(logger: logging.Logger, data_dir: Path, folder: str = "logs") -> None:
    """Also log (info and up) to DATA_DIR/logs/pvs6-supervisor.log, rotated at 1 MB, 5 kept."""
    log_dir = private_dir(data_dir / folder)
    handler = _PrivateLogFile(log_dir / LOG_FILE, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(_ZonedFormatter("%(asctime)s %(levelname)s %(message)s"))
    for existing in logger.handlers:  # the file gets the same redaction as the console
        for filter_ in existing.filters:
            handler.addFilter(filter_)
    logger.addHandler(handler)


def open_log_file(logger: logging.Logger, data_dir: Path, fallback_dir: Path) -> Path | None:
    """Log to DATA_DIR/logs, or to fallback_dir (beside the script) when DATA_DIR cannot take it.

    Called before the settings are validated, so that a configuration error reaches a file too.
    Returns the log's folder, or None when neither could be opened (stderr still has every line).
    """
    try:
        add_log_file(logger, data_dir)
        return data_dir / "logs"
    except (StorageError, OSError) as err:  # OSError: the log file itself is a folder, or not ours
        cause = err.__cause__ if isinstance(err, StorageError) else err
        described = storage_error(cause) if isinstance(cause, OSError) else None
        problem = str(described or err)
    try:
        add_log_file(logger, fallback_dir.parent, fallback_dir.name)
    except (StorageError, OSError):
        return None
    # DATA_DIR unusable as a whole: the command's own error says so; only its log folder: nothing else will.
    usable = data_dir.is_dir() and os.access(data_dir, os.W_OK | os.X_OK)
    logger.log(logging.WARNING if usable else logging.INFO, "log file moved to %s: %s", fallback_dir, problem)
    return fallback_dir
