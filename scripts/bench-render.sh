#!/usr/bin/env bash
# Times `kubejoin render` on a generated N-node inventory (default 1000), cold (no state) and warm (state reused).
# Nothing is contacted: the addresses are only written into files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-1000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$here/scripts/generate-inventory.sh" "$n" "$work"
"$here/kubejoin" --version >/dev/null   # builds the jar if needed, outside the timing
echo "render of $n nodes, cold (tokens and kube-proxy certificate issued):"
/usr/bin/time -f "  wall %e s, user %U s, sys %S s, max RSS %M KiB" "$here/kubejoin" render -f "$work/inventory.yaml" -o "$work/out" >/dev/null
echo "render of $n nodes, warm (state reused, unchanged files left alone):"
/usr/bin/time -f "  wall %e s, user %U s, sys %S s, max RSS %M KiB" "$here/kubejoin" render -f "$work/inventory.yaml" -o "$work/out" >/dev/null
echo "files: $(find "$work/out" -type f | wc -l)"
