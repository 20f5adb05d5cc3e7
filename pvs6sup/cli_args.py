"""The command line's shape: each sub-command's help, exit codes and options, and the parser built from them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from pvs6sup import __version__
from pvs6sup.errors import ExitStatus
from pvs6sup.settings.sinks import TARGETS_TEXT

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
