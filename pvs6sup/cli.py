"""Command line: argparse, configuration, logging, and the one place where errors become exit codes."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from pvs6sup import __version__
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
from pvs6sup.settings.sinks import TARGETS_TEXT
from pvs6sup.store.lock import data_dir_lock
from pvs6sup.store.os_errors import fix_for, storage_error
from pvs6sup.store.vanished import vanished

Command = Callable[[argparse.Namespace, Runtime, logging.Logger], int]
E = ExitStatus
_ALWAYS = (E.CONFIG, E.INTERNAL, E.INTERRUPTED)  # any command: a usage error, a bug, Ctrl-C


class Spec(NamedTuple):
    """A sub-command: its one-line help, its --help description, the exit codes it can return, its options."""

    help: str
    description: str
    codes: tuple[ExitStatus, ...]
    options: Callable[[argparse.ArgumentParser], None] = lambda parser: None


def exit_codes_help(codes: Sequence[ExitStatus] = tuple(ExitStatus)) -> str:
    """The 'exit codes:' epilog of --help, from the ExitStatus table."""
    return "exit codes:\n" + "".join(f"  {code.value:<3} {code.description}\n" for code in sorted(codes))


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Sub-commands repeat the options so that both 'status -v' and '-v status' work; SUPPRESS keeps a
    # sub-command's unset option from overwriting the top-level one.
    default = (lambda value: value) if top else (lambda value: argparse.SUPPRESS)
    parser.add_argument(
        "--env-file",
        type=Path,
        default=default(None),
        metavar="PATH",
        help="settings file (default: .env next to pvs6_supervisor.py); the environment overrides it",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="say more on stderr: -v what each step did, -vv debugging detail",
    )
    parser.add_argument(
        "--traceback",
        action="store_true",
        default=default(False),
        help="on an error, show the Python traceback instead of one line",
    )


def _status_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the reading as JSON")


def _demo_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="PATH",
        help="demo folder (default: demo-data next to pvs6_supervisor.py); it is cleared first",
    )
    parser.add_argument(
        "--days", type=int, default=7, choices=range(1, 32), metavar="N", help="simulated days, 1 to 31 (default: 7)"
    )


def _flush_options(parser: argparse.ArgumentParser) -> None:
    from pvs6sup.settings.sinks import SINK_NAMES

    parser.add_argument("sink", nargs="?", choices=SINK_NAMES, metavar="SINK", help=", ".join(SINK_NAMES))


def _check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--send-test-email", action="store_true", help="also send a test email to ALERT_EMAIL_TO")
    parser.add_argument(
        "--send-test-notification", action="store_true", help="also send a test message to each of NOTIFY_URLS"
    )


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=30, choices=range(1, 367), metavar="N", help="heatmap days (30)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the page here instead")
    parser.add_argument("--rebuild", action="store_true", help="first recompute daily.csv from the CSV files")


def _evidence_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("serial", metavar="SERIAL", help="the inverter's serial or its last characters")
    parser.add_argument("--days", type=int, default=90, choices=range(1, 367), metavar="N", help="days shown (90)")
    parser.add_argument("--out", type=Path, default=Path(), metavar="DIR", help="folder to write to (default: here)")


def _replay_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="capture file or folder")
    parser.add_argument("--alerts-out", type=Path, metavar="FILE", help="write the JSON lines here (default: stdout)")
    parser.add_argument("--csv-dir", type=Path, metavar="DIR", help="also write the CSV files here")
    parser.add_argument(
        "--learn",
        action="store_true",
        help="keep what the alerts learned of the roof in DATA_DIR, so that the cron cycle starts judged",
    )


SPECS: dict[str, Spec] = {
    "run": Spec(
        "one cycle (the default): read the PVS, archive, append CSV rows",
        "Read the PVS once (one request on legacy firmware), archive the raw answer under DATA_DIR/raw, "
        "add the cloud cover, append a row to readings.csv and one per inverter to inverters.csv, then "
        f"deliver to each target that is set up ({TARGETS_TEXT}), judge the alerts (emailing them), "
        "refresh the HTML report when due and ping HEALTHCHECK_URL.",
        (E.OK, E.NO_READING, E.LOCKED, E.STORAGE, E.CLOCK, *_ALWAYS),
    ),
    "status": Spec(
        "read the PVS now and show the site and every inverter; records nothing",
        "Read the PVS now and print production, consumption, grid and a table of inverters. "
        "Writes no archive file and no CSV row.",
        (E.OK, E.NO_READING, E.LOCKED, E.STORAGE, *_ALWAYS),
        _status_options,
    ),
    "demo": Spec(
        "simulate a PVS6 on 127.0.0.1 and run a week of real cycles against it",
        "Simulate a PVS6 (12 inverters, clouds, one dead inverter, one failing) on 127.0.0.1, run the real cycle "
        "on it for a week (--days) up to the last afternoon into a demo folder, then show the status, what was "
        "written, the alerts and the paths of the report and the alert email. Needs no network or settings.",
        (E.OK, E.STORAGE, *_ALWAYS),
        _demo_options,
    ),
    "flush": Spec(
        "deliver what waits for each sink (or one) now and print how many went",
        "Send what waits in DATA_DIR/outbox/<sink>/ to each configured sink, or to SINK only, now (ignoring a "
        "wait the receiver asked for), then print per sink how many were pending and how many were sent. "
        "Reads nothing from the PVS.",
        (E.OK, E.NOT_DELIVERED, E.LOCKED, E.STORAGE, *_ALWAYS),
        _flush_options,
    ),
    "check": Spec(
        "validate the settings and try the PVS, the weather, each delivery target and email once each",
        "Validate the settings, then try each configured service once (one DeviceList request to the "
        f"PVS; the weather; {TARGETS_TEXT}; email) and print ✓, or ✗ with the fix.",
        (E.OK, E.SERVICE_FAILED, *_ALWAYS),
        _check_options,
    ),
    "replay": Spec(
        "reprocess archived raw captures through the parser and the alert detectors",
        "Reprocess raw captures (files, or folders searched recursively such as DATA_DIR/raw; .json, "
        ".json.gz and packed days, YYYY-MM-DD.tar.gz), oldest first by the UTC time in their names, "
        "through the same parser and alert detectors as a live cycle. Prints every alert raised or resolved as "
        "one JSON line. Never sends "
        "email or touches Google Sheets; use it to see what the alerts would have said on your history. "
        "With --learn, the roof it learned (each inverter's normal, the faces) is kept in DATA_DIR for the "
        "cron cycle, which then judges from its next reading instead of learning for days.",
        (E.OK, E.STORAGE, *_ALWAYS),
        _replay_options,
    ),
    "report": Spec(
        "write the HTML report now and print its path",
        "Write DATA_DIR/report/index.html (or --out): today's power, the array heatmap, each inverter, the "
        "alerts and the freshness of the data, as one self-contained page. Reads nothing from the PVS.",
        (E.OK, E.LOCKED, E.STORAGE, *_ALWAYS),
        _report_options,
    ),
    "evidence": Spec(
        "write one inverter's evidence for an installer: an HTML page and a daily CSV",
        "Write evidence-<serial>.html and evidence-<serial>.csv into --out: the inverter's serial, model, "
        "firmware, the start of its problem, its likely cause with the figures, the energy lost, its daily "
        "energy against what it should have made and its siblings over --days, and the raw captures that show "
        "it. SERIAL may be any unique ending of the serial. Reads DATA_DIR only, nothing from the PVS.",
        (E.OK, E.STORAGE, *_ALWAYS),
        _evidence_options,
    ),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every sub-command, or (only) with just that one: a cron run need not build the rest."""
    parser = argparse.ArgumentParser(
        prog="pvs6_supervisor.py",
        description="Poll a SunPower PVS6/PVS5 gateway once: archive its answer, record site and "
        f"inverter figures to CSV, deliver them to the targets set up ({TARGETS_TEXT}), keep an HTML "
        "report and email alerts. Meant for cron every 5 minutes; silent when all is well.",
        epilog=exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, spec in SPECS.items():
        if only is not None and name != only:
            continue
        sub = commands.add_parser(
            name,
            help=spec.help,
            description=spec.description,
            epilog=exit_codes_help(spec.codes),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _common_options(sub, top=False)
        spec.options(sub)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command a command line names ('run' when none), or None when the whole parser is needed:
    the top-level --help, or something that is not a command (argparse then says what is wrong)."""
    words = iter(argv)
    for word in words:
        if word == "--env-file":
            next(words, None)  # its value, even if it looks like a command
        elif word in ("-h", "--help"):
            return None
        elif word in SPECS:
            return word
        elif not word.startswith("-"):
            return None
    return "run"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse a command line, building only the sub-parser it names."""
    argv = sys.argv[1:] if argv is None else list(argv)
    return build_parser(chosen_command(argv)).parse_args(argv)


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
    from pvs6sup.sinks import deliver as delivery
    from pvs6sup.sinks.sheets import delivery as sheets
    from pvs6sup.store import csvlog

    config = load(args, runtime, logger)
    with data_dir_lock(config.data_dir):
        reading = read_pvs(config, runtime, keep_raw=False)
        queues = delivery.queue_status(config.sinks, config.data_dir, runtime.now())
    text = status_json(reading) if args.json else status_text(reading, config.timezone)
    if args.json:
        text = json.dumps({**json.loads(text), **queues_json(queues)}, indent=2, ensure_ascii=False)
    else:
        queue_line = sheets.backlog_line(config.data_dir, runtime.now())
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
    from pvs6sup.sinks import deliver as delivery

    config = load(args, runtime, logger, log_file=True)
    with data_dir_lock(config.data_dir):
        results = delivery.flush(
            config.sinks, runtime.session, config.data_dir, runtime.now(), config.timezone, args.sink
        )
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


COMMANDS: dict[str, Command] = {  # a new sub-command: a Spec in SPECS and its function here
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
