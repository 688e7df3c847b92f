#!/usr/bin/env bash
# Writes an N-node inventory (and the example CA beside it) into DIR, for the render measurements.
# Usage: scripts/generate-inventory.sh N DIR   Nothing is contacted: the addresses are only written into files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="$1"
dir="$2"
cp "$here"/examples/pki/* "$dir"/
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
} > "$dir/inventory.yaml"
