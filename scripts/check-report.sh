#!/usr/bin/env bash
# Renders an HTML report in headless Chromium, fails on any console message or missing chart, and saves
# a screenshot to look at.   Usage: scripts/check-report.sh REPORT.html [SCREENSHOT.png]
# Needs Debian's chromium package (apt-get install chromium).
set -euo pipefail
report="$(realpath "$1")"
shot="${2:-${report%.html}.png}"
command -v chromium >/dev/null || { echo "error: chromium not found; install it with 'apt-get install chromium'" >&2; exit 2; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars)
# 1. the DOM after rendering: every chart must be there
dom="$(chromium "${flags[@]}" --dump-dom "file://$report" 2>/dev/null)"
charts=$(grep -o '<svg' <<<"$dom" | wc -l)
# 2. console output (errors, warnings, logs) from the page itself
log="$(chromium "${flags[@]}" --enable-logging=stderr --v=0 --window-size=1200,2600 --screenshot="$shot" "file://$report" 2>&1 || true)"
console=$(grep -c 'CONSOLE' <<<"$log" || true)
echo "charts: $charts  console messages: $console  screenshot: $shot"
if [ "$console" -ne 0 ]; then grep 'CONSOLE' <<<"$log" >&2; exit 1; fi
if [ "$charts" -lt 2 ]; then echo "error: expected at least 2 charts in $report" >&2; exit 1; fi
[ -s "$shot" ] || { echo "error: no screenshot written" >&2; exit 1; }
