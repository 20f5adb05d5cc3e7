"""Measure a page in headless Chromium: the layout's own numbers (widths, positions), not a guess from the HTML.

A script appended to a copy of the page writes what it measured into the DOM, and Chromium's --dump-dom
hands it back once the page has loaded and laid out at the given window size.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

# Whether the page scrolls sideways, and where each element matching a selector lies (first 50).
MEASURE = """
<script>
(function () {
  var out = {viewport: window.innerWidth, scroll_width: document.documentElement.scrollWidth, found: {}};
  (window.__selectors || []).forEach(function (sel) {
    out.found[sel] = Array.prototype.slice.call(document.querySelectorAll(sel), 0, 50).map(function (el) {
      var r = el.getBoundingClientRect();
      return {left: r.left, right: r.right, top: r.top, width: r.width, height: r.height,
              text: (el.textContent || "").trim().slice(0, 80)};
    });
  });
  document.documentElement.setAttribute("data-measured", JSON.stringify(out));
})();
</script>
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        pytest.skip("needs a headless browser: Debian's chromium (apt-get install -y chromium)")
    return found


def headless(tmp_path: Path, width: int, height: int, *extra: str) -> list[str]:
    """Chromium's command line for one page at width × height, with its own profile under tmp_path."""
    return [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={width},{height}",
        *extra,
    ]


def measure(page: Path, width: int, selectors: list[str], tmp_path: Path, height: int = 900) -> dict[str, Any]:
    """Lay `page` out at `width` px and return {viewport, scroll_width, found: {selector: [boxes]}}."""
    copy = tmp_path / f"measure-{width}-{page.name}"
    setup = f"<script>window.__selectors = {json.dumps(selectors)};</script>"
    text = page.read_text(encoding="utf-8")
    copy.write_text(re.sub(r"(</body>)", setup + MEASURE + r"\1", text, count=1), encoding="utf-8")
    done = subprocess.run(
        headless(tmp_path, width, height, "--dump-dom", copy.as_uri()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-measured="([^"]*)"', done.stdout)
    assert found is not None, done.stdout[:2000]
    return json.loads(html.unescape(found[1]))
