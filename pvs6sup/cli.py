"""Command line: each command run with its settings and logging, and the one place where errors become exit codes."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import sys
from collections.abc import Callable, Sequence

from pvs6sup.cli_args import parse_args
from pvs6sup.cli_endings import missing_dependency, quiet_after_closed_pipe
from pvs6sup.cycle import read_pvs, run_cycle
from pvs6sup.errors import ConfigError, ExitStatus, StorageError, SupervisorError, exit_status_for
from pvs6sup.logs import add_log_file, configured_logging, open_log_file, redact, stamp_in_zone
from pvs6sup.net import healthcheck
from pvs6sup.runtime import Runtime
from pvs6sup.settings.config import Config, provisional_secrets
from pvs6sup.settings.load import (
    data_dir_setting,
    env_file_warnings,
    load_config,
    read_env_file,
    unknown_setting_warnings,
)
from pvs6sup.store.lock import data_dir_lock
from pvs6sup.store.os_errors import fix_for, storage_error
from pvs6sup.store.vanished import vanished

Command = Callable[[argparse.Namespace, Runtime, logging.Logger], int]


def load(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger, *, log_file: bool = False) -> Config:
    """Read and validate the settings; warn about unknown names and a settings file others can read.

    With log_file, the log file is opened first (in DATA_DIR, else beside the script), so that even a
    configuration error reaches it: under cron nothing else may be read.
    """
    env_file = args.env_file or runtime.script_dir / ".env"
    problem: ConfigError | None = None
    try:
        file_values = read_env_file(env_file, explicit=args.env_file is not None)
    except ConfigError as err:
        file_values, problem = {}, err
    values = {**file_values, **runtime.environ}
    redact(logger, provisional_secrets(values))
    if log_file:
        data_dir = data_dir_setting(values, runtime.script_dir)
        gone = vanished(data_dir, runtime.script_dir / "logs")  # before the log file makes it again
        open_log_file(logger, data_dir, runtime.script_dir / "logs")
        if gone:
            logger.warning("%s", gone)
    if problem is not None:
        raise problem
    for warning in unknown_setting_warnings(file_values, env_file) + env_file_warnings(env_file):
        logger.warning("%s", warning)
    config = load_config(values, runtime.script_dir)
    redact(logger, config.secret_values())
    stamp_in_zone(logger, config.timezone)
    return config


def command_run(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger) -> int:
    config = load(args, runtime, logger, log_file=True)
    watchdog = (config.healthcheck, runtime.session, config.secret_values() if config.healthcheck.url else ())
    with healthcheck.failure_reported(*watchdog):  # HEALTHCHECK_URL/fail when nothing was recorded
        run_cycle(config, runtime)
    return ExitStatus.OK


def command_status(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger) -> int:
    from pvs6sup.alerts.roof_view import load_roof_view
    from pvs6sup.commands.status import (  # only this command renders
        last_recorded_text,
        queue_lines,
        queues_json,
        status_json,
        status_text,
    )
    from pvs6sup.core.values import printable
    from pvs6sup.notify.health import summary_lines
    from pvs6sup.sinks.deliver import queue_status
    from pvs6sup.sinks.sheets.queueing import backlog_line
    from pvs6sup.store import csvlog

    config = load(args, runtime, logger)
    with data_dir_lock(config.data_dir):
        reading = read_pvs(config, runtime, keep_raw=False)
        queues = queue_status(config.sinks, config.data_dir, runtime.now())
    text = status_json(reading) if args.json else status_text(reading, config.timezone)
    if args.json:
        text = json.dumps({**json.loads(text), **queues_json(queues)}, indent=2, ensure_ascii=False)
    else:
        queue_line = backlog_line(config.data_dir, runtime.now())
        text += f"\n\n{queue_line}" if queue_line else ""
        text += "".join(f"\n{line}" for line in queue_lines(queues))
        text += "\n" + last_recorded_text(csvlog.newest_timestamp(config.data_dir), runtime.now())
        alerting = summary_lines(config.data_dir, config.notify, config.email.on, runtime.now())
        text += "".join(f"\n{line}" for line in alerting)
        roof = load_roof_view(config.data_dir, config.report.latitude, config.report.longitude)
        text += "".join(f"\n{line}" for line in roof.lines())
        text = printable(text)  # what came from the PVS was cleaned when parsed; a terminal gets no escape anyway
    runtime.stdout.write(text + "\n")
    return ExitStatus.OK


def command_flush(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger) -> int:
    from pvs6sup.sinks.deliver import flush

    config = load(args, runtime, logger, log_file=True)
    with data_dir_lock(config.data_dir):
        results = flush(config.sinks, runtime.session, config.data_dir, runtime.now(), config.timezone, args.sink)
    for title, result in results:
        runtime.stdout.write(f"{title}: {result.pending} pending, {result.sent} sent\n")
    stuck = any(result.pending and not result.sent for _, result in results)
    return ExitStatus.NOT_DELIVERED if stuck else ExitStatus.OK


def command_demo(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger) -> int:
    from pvs6sup.commands.demo import run_demo  # the simulator's HTTP server is not needed by cron's runs

    folder = args.data_dir or runtime.script_dir / "demo-data"
    run_demo(folder, args.days, runtime.stdout, on_ready=lambda: add_log_file(logger, folder))
    return ExitStatus.OK


def command_check(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger) -> int:
    from pvs6sup.commands.check import run_check  # only this command tries every service

    config = load(args, runtime, logger)
    ok = run_check(config, runtime, args.send_test_email, runtime.stdout, args.send_test_notification)
    return ExitStatus.OK if ok else ExitStatus.SERVICE_FAILED


def command_replay(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger) -> int:
    from pvs6sup.commands.replay import run_replay  # only this command replays

    config = load(args, runtime, logger)
    replayer = run_replay(config, args.paths, args.alerts_out, args.csv_dir, runtime.stdout)
    if args.learn:
        from pvs6sup.commands.replay import keep_learned

        with data_dir_lock(config.data_dir):
            keep_learned(config.data_dir, replayer)
    return ExitStatus.OK


def command_report(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger) -> int:
    from pvs6sup.commands.report import run_report  # only this command renders on demand

    config = load(args, runtime, logger)
    run_report(config, runtime.now(), args.days, args.out, args.rebuild, runtime.stdout)
    return ExitStatus.OK


def command_evidence(args: argparse.Namespace, runtime: Runtime, logger: logging.Logger) -> int:
    from pvs6sup.commands.evidence import run_evidence  # only this command gathers evidence

    config = load(args, runtime, logger)
    run_evidence(config, args.serial, runtime.now(), args.days, args.out, runtime.stdout)
    return ExitStatus.OK


COMMANDS: dict[str, Command] = {  # a new sub-command: a Spec in cli_args.SPECS and its function here
    "run": command_run,
    "status": command_status,
    "demo": command_demo,
    "flush": command_flush,
    "check": command_check,
    "replay": command_replay,
    "report": command_report,
    "evidence": command_evidence,
}


def _log_error(error: SupervisorError, logger: logging.Logger) -> None:
    if isinstance(error, ConfigError):
        for problem in error.problems:
            logger.error("configuration: %s", problem)
    elif isinstance(error, StorageError) and _needs_fix(error):
        logger.error("%s; %s", error, fix_for(error.__cause__))  # type: ignore[arg-type]
    else:
        logger.error("%s", error)


def _needs_fix(error: StorageError) -> bool:
    """files.py says what failed ('cannot open X: Permission denied'); a permission or a file in the way
    also needs the fix (the chown command, what to move aside), unless the message already gives one."""
    cause = error.__cause__
    in_the_way = (errno.EACCES, errno.EPERM, errno.EEXIST, errno.ENOTDIR, errno.EISDIR)
    return isinstance(cause, OSError) and cause.errno in in_the_way and "; " not in str(error)


def main(argv: Sequence[str] | None = None, runtime: Runtime | None = None) -> int:
    """Run one command and return its exit code; every expected failure is one line on stderr."""
    runtime = runtime or Runtime()
    try:
        args = parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error (argparse printed it)
        return int(exit_.code or 0) and ExitStatus.CONFIG
    except BrokenPipeError:  # `--help | head`
        return quiet_after_closed_pipe(runtime.stdout)
    command = COMMANDS[args.command or "run"]
    with configured_logging(runtime.stderr, args.verbose) as logger:
        try:
            code = int(command(args, runtime, logger))
            runtime.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
            return code
        except SupervisorError as error:
            if args.traceback:
                raise
            _log_error(error, logger)
            return int(exit_status_for(error))
        except KeyboardInterrupt:
            logger.error("interrupted")
            return int(ExitStatus.INTERRUPTED)
        except BrokenPipeError:  # `check | head`: the reader has all it wanted
            return quiet_after_closed_pipe(runtime.stdout)
        except Exception as error:  # a bug: keep cron's mail to one line unless asked for more
            if args.traceback:
                raise
            if isinstance(error, ModuleNotFoundError) and not (error.name or "").startswith("pvs6sup"):
                logger.error("%s", missing_dependency(error.name))  # the system python, not the venv: no bug
                return int(ExitStatus.CONFIG)
            storage = storage_error(error) if isinstance(error, OSError) else None
            if storage is not None:  # the disk, a permission or a folder in the way: not a bug
                logger.error("%s", storage)
                return int(storage.exit_status)
            logger.error("internal error: %s: %s (rerun with --traceback and report it)", type(error).__name__, error)
            return int(ExitStatus.INTERNAL)


if __name__ == "__main__":
    sys.exit(main())
