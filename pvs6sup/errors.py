"""The one error root, its subclasses, and the single mapping from errors to exit codes."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Exit codes of every command, each with its meaning: --help and README's table come from here."""

    description: str

    def __new__(cls, value: int, description: str) -> ExitStatus:
        member = int.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    OK = 0, "success (run: a reading was recorded, even if a later step such as the weather was deferred)"
    NO_READING = 1, "no reading: the PVS was unreachable, refused, or answered unusably"
    CONFIG = 2, "configuration or usage error"
    LOCKED = 3, "another run holds the lock (DATA_DIR/.lock), or started at the same time and recorded the reading"
    STORAGE = 4, "the data folder could not be written (disk full, permissions)"
    CLOCK = 5, 'neither clock can be trusted (README, "When the clock is wrong"); the answer is kept for later'
    SERVICE_FAILED = 6, "check: a configured service failed its test (the ✗ lines say which and how to fix it)"
    NOT_DELIVERED = 7, "flush: a sink had entries waiting and none could be sent; they stay queued"
    INTERNAL = 70, "internal error: a bug; rerun with --traceback and report it"
    INTERRUPTED = 130, "interrupted (Ctrl-C, SIGINT), as shells report it"


class SupervisorError(Exception):
    """Root of every error this program expects; its message is one line for a human."""

    exit_status = ExitStatus.INTERNAL


class ConfigError(SupervisorError):
    """The configuration is invalid; carries every problem found, not just the first."""

    exit_status = ExitStatus.CONFIG

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class LockHeldError(SupervisorError):
    """Another run holds the data folder's lock."""

    exit_status = ExitStatus.LOCKED


class StorageError(SupervisorError):
    """Writing to the data folder failed."""

    exit_status = ExitStatus.STORAGE


class PVSError(SupervisorError):
    """No usable reading could be had from the PVS (unreachable, refused, or a bad answer)."""

    exit_status = ExitStatus.NO_READING


class PVSUnreachableError(PVSError):
    """The PVS did not answer in time or refused the connection."""


class PVSRefusedError(PVSError):
    """The PVS answered with an HTTP error status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class PVSAnswerError(PVSError):
    """The PVS answered, but the body is not a usable device list."""


class ClockError(SupervisorError):
    """No clock can be trusted for this reading; it is kept and recorded later."""

    exit_status = ExitStatus.CLOCK


class DeliveryError(SupervisorError):
    """An optional step (weather, Sheets, email) failed; the reading itself is safe."""

    exit_status = ExitStatus.OK


def exit_status_for(error: BaseException) -> ExitStatus:
    """Map any exception to the exit code a cron wrapper should see."""
    if isinstance(error, SupervisorError):
        return error.exit_status
    return ExitStatus.INTERNAL
