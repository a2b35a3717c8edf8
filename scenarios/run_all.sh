#!/bin/sh
# Runs every scenario in scenarios/ in its short form (ci_short) and with each anti-pattern profile
# (glibc), and prints one table row per run: verdict, failing checks, peak RSS, fds,
# records delivered / spilled / lost. This is how scenarios/README.md's table was made.
# Usage: scenarios/run_all.sh BUILD_DIR [SCENARIO...]   (about 10 minutes for all)
set -eu
build=${1:?usage: run_all.sh BUILD_DIR [SCENARIO...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
memgate=$build/harness/cli/memgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- "$here"/*.json
echo '| scenario | profile | verdict | failing checks | peak RSS MiB | peak fds | delivered | spilled | lost |'
echo '|---|---|---|---|---|---|---|---|---|'
for file in "$@"; do
  name=$(basename "$file" .json)
  # The files have // comments (memgate allows them; jq does not).
  for profile in ci_short $(sed 's,^ *//.*,,' "$file" | jq -r '.profiles | keys[] | select(. != "ci" and . != "ci_short" and . != "sizes")'); do
    [ "$profile" = ci_short ] && profiles=ci_short || profiles=ci_short,$profile
    out=$work/$name-$profile
    "$memgate" run --quiet --no-plot --out "$out" --profile "$profiles" "$file" >/dev/null 2>&1 || true
    jq -r --arg s "$name" --arg p "$profiles" '
      def fig(n): ([.checks[] | select(.id == "no-data-loss") | .figures[n].value] | first // "-");
      "| \($s) | \($p) | \(.verdict.outcome | ascii_upcase) | \([.checks[] | select(.outcome == "fail") | .id] | join(", ") | if . == "" then "-" else . end) | \((.summary.rss.peak / 1048576 * 10 | floor) / 10) | \(.summary.fds.peak) | \(fig("delivered")) | \(fig("spilled")) | \(fig("lost")) |"' \
      "$out/report.json"
  done
done
