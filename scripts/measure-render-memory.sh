#!/usr/bin/env bash
# Peak memory of `kubejoin render` on a generated N-node inventory (default 1000) under a fixed heap (default
# -Xmx256m), cold (tokens and kube-proxy certificate issued) and warm (state reused, old manifest read back):
# peak RSS from /usr/bin/time; peak heap from the process itself (kubejoin.stats, see bench.ProcessStats: the sum of
# the heap pools' peaks, garbage included, so it grows with -Xmx); live heap = the largest heap after any GC (from
# -Xlog:gc), what the render really keeps.
# Usage: scripts/measure-render-memory.sh [N] [XMX] [JAR]   Nothing is contacted: addresses are only written into files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-1000}"
xmx="${2:-256m}"
jar="${3:-$here/kubejoin-cli/target/kubejoin.jar}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$here/scripts/generate-inventory.sh" "$n" "$work"
[ -n "${3:-}" ] || "$here/kubejoin" --version >/dev/null   # builds the jar if needed, outside the measurement
for run in cold warm; do
  set +e
  /usr/bin/time -f "%M %e" -o "$work/time" java -Xmx"$xmx" -XX:TieredStopAtLevel=1 -Dkubejoin.stats="$work/stats" \
    -Xlog:gc:file="$work/gc.log" -jar "$jar" render -f "$work/inventory.yaml" -o "$work/out" >/dev/null 2>"$work/err"
  rc=$?
  set -e
  read -r rss wall < <(tail -1 "$work/time")
  heap="$(awk '/^peakHeapBytes/ {printf "%d", $2 / 1048576}' "$work/stats" 2>/dev/null || true)"
  live="$(grep -o -- '->[0-9]*M' "$work/gc.log" | tr -dc '0-9\n' | sort -n | tail -1)"
  echo "render $n nodes, $run, -Xmx$xmx: exit $rc, wall ${wall} s, peak RSS $((rss / 1024)) MiB, peak heap ${heap:-?} MiB, live heap ${live:-?} MiB"
  if [ "$rc" -ne 0 ]; then head -c 600 "$work/err"; echo; fi
  rm -f "$work/stats" "$work/gc.log"
done
echo "files: $(find "$work/out" -type f | wc -l)"
