"""README's screenshots are the demo's own page and email, made again by docs/screenshots.sh."""

from __future__ import annotations

import re

from tests.support.harness import ROOT


def test_readme_shows_exactly_what_the_screenshot_script_makes_from_the_demo():
    readme = (ROOT / "README.md").read_text()
    script = (ROOT / "docs" / "screenshots.sh").read_text()
    shown = set(re.findall(r"\]\((docs/[^)]+\.png)\)", readme))
    made = set(re.findall(r"^shot (docs/\S+\.png) ", script, re.M))
    assert shown and shown == made
    assert "docs/screenshots.sh" in readme and "pvs6_supervisor.py demo" in script
    assert all((ROOT / image).stat().st_size > 10_000 for image in shown)
    assert "report/index.html" in script and "alert-email.html" in script
