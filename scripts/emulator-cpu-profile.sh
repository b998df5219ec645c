#!/usr/bin/env bash
# In-situ split of the emulator's CPU: the share spent in RSA (ring's bignum, SHA-256 and
# RSA code) versus everything else (HTTP, JSON, ledger, kernel), sampled with perf while the
# `emulator` bench runs. Both parts are measured at the same moments, so the machine's drifting
# speed cancels out. Needs linux-perf (`apt-get install linux-perf`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p wxpay-benches --bench emulator --no-run 2>/dev/null
bin=$(ls -t target/release/deps/emulator-* | grep -v '\.d$' | head -n 1)
data=$(mktemp /tmp/emulator-perf.XXXXXX)
perf record -q -F 4000 -o "$data" "$bin" >/dev/null 2>&1
perf report -i "$data" --no-children --sort comm,symbol -g none --stdio 2>/dev/null |
  awk '$2 ~ /^mock-srv/ {
         share = $1; sub("%", "", share); total += share
         if ($0 ~ /bn_|mulx4x|sqrx8x|LIMBS_|limbs_|powerx5|scatter5|gather5|_mont|ring::rsa|ring::arithmetic|ring::limb|fold_5_bit|sha256_block|ring::digest/) rsa += share
       }
       END {
         printf "emulator samples: %.2f%% of all; in RSA %.2f%%, elsewhere %.2f%%\n", total, rsa, total - rsa
         printf "emulator CPU per request / its RSA work (sign + verify): %.3f (goal <= 1.1)\n", total / rsa
       }'
rm -f "$data"
