#!/usr/bin/env bash
# Opens an HTML report (minnow lab's report.html) in headless Chromium, as a user's browser would,
# and saves a screenshot of it: scripts/screenshot-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]
# Needs Debian's chromium (apt-get install chromium); it reaches nothing on the network.
set -euo pipefail
report=${1:?usage: screenshot-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]}
out=${2:?usage: screenshot-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]}
size=${3:-1280x2400}
command -v chromium > /dev/null || { echo "screenshot-report: chromium is not installed (apt-get install chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
  --window-size="${size/x/,}" --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" 2> "$profile/log" ||
  { cat "$profile/log" >&2; exit 1; }
echo "screenshot-report: $out"
