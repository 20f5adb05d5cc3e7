"""config.example.env and README's settings tables, rendered from the settings table.

`python -m pvs6sup.settings.docs --write` rewrites both; tests/test_settings_table.py fails when they disagree.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from pvs6sup.settings.schema import Setting
from pvs6sup.settings.table import GROUPS, SETTINGS

ROOT = Path(__file__).resolve().parent.parent.parent
README_START = "<!-- settings: rendered from pvs6sup/settings/table.py by `python -m pvs6sup.settings.docs --write` -->"
README_END = "<!-- end of settings -->"
_HEADER = """\
# pvs6-supervisor settings. Copy to .env next to pvs6_supervisor.py and `chmod 600 .env`.
# A variable set in the environment overrides the same one here. An empty value means "use the default".
# Rendered from pvs6sup/settings/table.py (python -m pvs6sup.settings.docs --write); README lists the same.
"""


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, 110, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False)


def _env_comment(setting: Setting) -> str:
    extra = []
    if setting.kind in ("whole", "number", "choice", "flag"):
        extra.append(f"Allowed: {_allowed(setting)}.")
    if setting.shown_default:
        extra.append(f"Empty: {setting.shown_default}.")
    if setting.secret:
        extra.append("A secret: masked in logs.")
    return " ".join([setting.help, *extra])


def _allowed(setting: Setting) -> str:
    if setting.kind == "choice":
        return " | ".join(setting.choices)
    if setting.kind == "flag":
        return "0 | 1"
    unit = f" {setting.unit}" if setting.unit else ""
    whole = "whole " if setting.kind == "whole" else ""
    return f"{whole}{setting.low:g} to {setting.high:g}{unit}"


def example_env() -> str:
    """config.example.env: each group's settings with their help, in table order, each with its default."""
    lines = [_HEADER.rstrip("\n")]
    for group in GROUPS:
        lines += ["", f"# --- {group.name} ".ljust(100, "-"), *_comment(group.intro)]
        for setting in (s for s in SETTINGS if s.group == group.name):
            lines += [*_comment(_env_comment(setting)), f"{setting.name}={setting.default}"]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_tables() -> str:
    """README's settings: one small table per group, between the two markers."""
    out = [README_START]
    for group in GROUPS:
        out += ["", f"**{group.name}.** {group.intro}", "", "| setting | default | what |", "|---|---|---|"]
        for setting in (s for s in SETTINGS if s.group == group.name):
            default = f"`{setting.default}`" if setting.default else setting.shown_default or "—"
            what = setting.help + (f" Allowed: {_allowed(setting)}." if setting.kind in ("choice", "flag") else "")
            out.append(f"| `{setting.name}` | {_cell(default)} | {_cell(what)} |")
    out += ["", README_END]
    return "\n".join(out)


def readme_with_tables(readme: str) -> str:
    """README with the text between the markers replaced (ValueError when the markers are missing)."""
    start, end = readme.index(README_START), readme.index(README_END) + len(README_END)
    return readme[:start] + readme_tables() + readme[end:]


def main(argv: list[str]) -> int:
    env_path, readme_path = ROOT / "config.example.env", ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    wanted = {env_path: example_env(), readme_path: readme_with_tables(readme)}
    stale = [path for path, text in wanted.items() if path.read_text(encoding="utf-8") != text]
    if "--write" in argv:
        for path in stale:
            path.write_text(wanted[path], encoding="utf-8")
        return 0
    for path in stale:
        sys.stderr.write(f"{path.name} differs from the settings table; run: python -m pvs6sup.settings.docs --write\n")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
