#!/usr/bin/env bash
# Times `kubejoin render` on a generated N-node inventory (default 1000), cold (no state) and warm (state reused).
# Nothing is contacted: the addresses are only written into files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-1000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here"/examples/pki/* "$work"/
{
  echo 'kubernetesVersion: "1.34.2"'
  echo 'apiServer: https://10.0.0.10:6443'
  echo 'pki: { caCert: ca.pem, caKey: ca-key.pem, caConfig: ca-config.json, profile: kubernetes }'
  echo 'network: { clusterCIDR: 10.244.0.0/16, serviceCIDR: 10.96.0.0/12, clusterDNS: [10.96.0.10] }'
  echo 'runtime: containerd'
  echo 'nodes:'
  for i in $(seq 1 "$n"); do
    echo "  - { name: worker-$i, address: 10.$((200 + i / 65536)).$(((i / 256) % 256)).$((i % 256 + 0)) }"
  done
} > "$work/inventory.yaml"
"$here/kubejoin" --version >/dev/null   # builds the jar if needed, outside the timing
echo "render of $n nodes, cold (tokens and kube-proxy certificate issued):"
/usr/bin/time -f "  wall %e s, user %U s, sys %S s, max RSS %M KiB" "$here/kubejoin" render -f "$work/inventory.yaml" -o "$work/out" >/dev/null
echo "render of $n nodes, warm (state reused, unchanged files left alone):"
/usr/bin/time -f "  wall %e s, user %U s, sys %S s, max RSS %M KiB" "$here/kubejoin" render -f "$work/inventory.yaml" -o "$work/out" >/dev/null
echo "files: $(find "$work/out" -type f | wc -l)"
