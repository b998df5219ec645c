#!/usr/bin/env bash
# In-situ split of each party's CPU: the share spent in RSA (ring's bignum, SHA-256 and RSA
# code) against everything else (HTTP, JSON, ledger, kernel), sampled with perf while the
# `cpu` bench runs. RSA and the rest are sampled at the same instants, so the shared machine's
# drifting speed cancels out. Needs linux-perf (`apt-get install linux-perf`).
#
#   scripts/cpu-profile.sh            # emulator (threads mock-srv) and client (threads wx-client)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p wxpay-benches --bench cpu --no-run 2>/dev/null
bin=$(ls -t target/release/deps/cpu-* | grep -v '\.d$' | head -n 1)
data=$(mktemp /tmp/cpu-perf.XXXXXX)
trap 'rm -f "$data"' EXIT
for part in emulator client; do
  case $part in emulator) comm=mock-srv ;; client) comm=wx-client ;; esac
  perf record -q -F 4000 -o "$data" "$bin" "$part" >/dev/null 2>&1
  perf report -i "$data" --no-children --sort comm,symbol -g none --stdio 2>/dev/null |
    awk -v comm="$comm" -v part="$part" '$2 ~ "^" comm {
           share = $1; sub("%", "", share); total += share
           if ($0 ~ /bn_|mulx4x|sqrx8x|LIMBS_|limbs_|powerx5|scatter5|gather5|_mont|ring::rsa|ring::arithmetic|ring::limb|fold_5_bit|sha256_block|ring::digest/) rsa += share
         }
         END {
           printf "%s: samples %.2f%% of all; in RSA %.2f%%, elsewhere %.2f%%\n", part, total, rsa, total - rsa
           printf "%s: CPU per request / its RSA work (sign + verify): %.3f (goal <= 1.1)\n", part, total / rsa
         }'
done
