"""One exit-code table (errors.ExitStatus): README and every --help agree with it, each command lists its own
codes, and the parser builds only the sub-command a run names while --help still lists them all."""

from __future__ import annotations

import re

import pytest

from pvs6sup import cli, cli_args
from pvs6sup.errors import ExitStatus
from tests.support.harness import ROOT


def help_text(capsys, *argv: str) -> str:
    assert cli.main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def listed_codes(text: str) -> list[int]:
    epilog = text.split("exit codes:\n", 1)[1]
    return [int(code) for code in re.findall(r"^  (\d+) ", epilog, re.M)]


def test_readme_has_the_table_row_for_row():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| code | meaning |") :].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", table, re.M)
    assert rows == [(str(code.value), code.description) for code in ExitStatus]


def test_every_code_has_a_one_line_description_and_ctrl_c_is_named():
    assert ExitStatus.INTERRUPTED == 130 and ExitStatus(130).name == "INTERRUPTED"
    for code in ExitStatus:
        assert code.description and "\n" not in code.description


def test_the_top_level_help_lists_every_command_and_every_code(capsys):
    text = help_text(capsys)
    assert listed_codes(text) == [code.value for code in ExitStatus]
    for name, spec in cli_args.SPECS.items():
        assert re.search(rf"^    {name} +{re.escape(spec.help[:30])}", text, re.M), name
    for code in ExitStatus:
        assert f"  {code.value:<3} {code.description}\n" in text


@pytest.mark.parametrize("command", sorted(cli_args.SPECS))
def test_each_command_help_lists_the_codes_it_can_return(capsys, command):
    assert listed_codes(help_text(capsys, command)) == sorted(cli_args.SPECS[command].codes)
    assert set(cli_args.SPECS) == set(cli.COMMANDS)


def test_flush_and_check_have_their_own_codes():
    assert ExitStatus.NOT_DELIVERED in cli_args.SPECS["flush"].codes
    assert ExitStatus.SERVICE_FAILED in cli_args.SPECS["check"].codes
    assert ExitStatus.CLOCK in cli_args.SPECS["run"].codes
    assert ExitStatus.NO_READING not in cli_args.SPECS["check"].codes  # a failing check is 6, never "no reading"


@pytest.mark.parametrize(
    "argv, chosen",
    [
        ([], "run"),
        (["-v"], "run"),
        (["status", "-v"], "status"),
        (["-v", "status", "--json"], "status"),
        (["--env-file", "status", "check"], "check"),  # the file may be called anything
        (["--env-file=x.env", "flush"], "flush"),
        (["--help"], None),
        (["-h", "run"], None),
        (["nonsense"], None),
    ],
)
def test_only_the_named_sub_command_is_built(argv, chosen):
    assert cli_args.chosen_command(argv) == chosen


def test_verbose_before_or_after_the_command_both_count():
    assert cli_args.parse_args(["status", "-v"]).verbose == 1
    assert cli_args.parse_args(["-v", "status"]).verbose == 1
    assert cli_args.parse_args(["-v", "status", "-v"]).verbose == 1  # the sub-command's own count wins, as before
    args = cli_args.parse_args(["--env-file", "a.env", "replay", "x", "--csv-dir", "out"])
    assert (args.command, str(args.env_file), [str(p) for p in args.paths]) == ("replay", "a.env", ["x"])


def test_a_run_builds_one_sub_parser():
    parser = cli_args.build_parser(cli_args.chosen_command(["status"]))
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert list(subparsers.choices) == ["status"]  # type: ignore[union-attr]


def test_an_unknown_command_is_a_usage_error_naming_the_commands(capsys):
    assert cli.main(["sttaus"]) == ExitStatus.CONFIG
    err = capsys.readouterr().err
    assert "invalid choice: 'sttaus'" in err and "status" in err
