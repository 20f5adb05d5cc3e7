#!/bin/sh
# README's screenshots, from the demo: run `docs/screenshots.sh` from anywhere (needs Debian's chromium).
# It runs the demo into a temporary folder and photographs its report (desktop and phone width), its
# alert email and its evidence page, into docs/.
set -eu
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome) || {
  echo "docs/screenshots.sh: needs chromium (apt-get install -y chromium)" >&2
  exit 2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" pvs6_supervisor.py demo --data-dir "$work/demo" > /dev/null
shot() {  # shot OUT.png WIDTH,HEIGHT PAGE
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" --screenshot="$1" --window-size="$2" "file://$3" 2>/dev/null
}
shot docs/report.png 1000,2150 "$work/demo/report/index.html"
shot docs/report-phone.png 400,1500 "$work/demo/report/index.html"
shot docs/alert-email.png 640,1000 "$work/demo/alert-email.html"
shot docs/evidence-phone.png 400,1500 "$work/demo/evidence-E00X00000700003.html"
echo "docs/report.png docs/report-phone.png docs/alert-email.png docs/evidence-phone.png"
