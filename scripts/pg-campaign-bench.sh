#!/usr/bin/env bash
# Three `wxpay campaign run` workers on one PostgreSQL campaign against wxpay-mock (another
# process), all on this machine: per-second aggregate rate from the emulator's ledger, 429s,
# each worker's CPU per row; optionally one worker SIGKILLed mid-run and restarted.
#
#   WXPAY_TEST_PG=postgres://USER:PW@127.0.0.1:PORT/postgres scripts/pg-campaign-bench.sh [ROWS] [RATE] [kill]
#
# Needs release builds of wxpay and wxpay-mock (cargo build --release -p wxpay-cli -p wxpay-mock),
# python3 and psql. Everything binds 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-27000}
RATE=${2:-900}
KILL=${3:-}
TARGET=${CARGO_TARGET_DIR:-target}/release
: "${WXPAY_TEST_PG:?set WXPAY_TEST_PG=postgres://USER:PW@127.0.0.1:PORT/postgres}"
WORK=$(mktemp -d /tmp/wxpay-pg-bench.XXXXXX)
DB="wxpay_bench_$$"
cleanup() {
  kill "${MOCK_PID:-}" 2>/dev/null || true
  for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done
  psql -q "$WXPAY_TEST_PG" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql -q "$WXPAY_TEST_PG" -c "CREATE DATABASE $DB"
URL="${WXPAY_TEST_PG%/*}/$DB"

"$TARGET/wxpay-mock" --listen 127.0.0.1:0 > "$WORK/mock.out" 2> "$WORK/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/mock.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/^listening on //p' "$WORK/mock.out")
KEYS=$PWD/crates/mock/dev-keys
cat > "$WORK/client.toml" <<TOML
mchid = "1900000001"
serial_no = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
private_key_file = "$KEYS/merchant_key.pem"
wechatpay_public_key_id = "PUB_KEY_ID_0119000000012025112900000000000001"
wechatpay_public_key_file = "$KEYS/platform_pub.pem"
base_url = "$BASE"
backup_base_url = "$BASE"
TOML
python3 -c "
import sys
print('openid,member_card_id')
for i in range($ROWS): print(f'oBench{$$}x{i:07},' + (f'm{i}' if i % 2 == 0 else ''))
" > "$WORK/users.csv"

COMMON=(--journal "$URL" --campaign bench --rate "$RATE" --concurrency 32 --lease-secs 5)
PIDS=()
start_worker() { # $1 = log name, rest = extra args
  local log=$1; shift
  RUST_LOG=warn,wxpay_campaign::runner=debug "$TARGET/wxpay" campaign run "${COMMON[@]}" "$@" 2> "$WORK/$log.err" &
  PIDS+=($!)
}
T0=$(date +%s.%N)
start_worker w1 --config "$WORK/client.toml" --input "$WORK/users.csv" --stock-id 1000000013005 \
  --product-coupon-id 1000000013 --appid wx233544546545989 --brand-id 120344
until "$TARGET/wxpay" campaign status --journal "$URL" --campaign bench >/dev/null 2>&1; do sleep 0.05; done
start_worker w2
start_worker w3
if [ -n "$KILL" ]; then
  sleep "$(python3 -c 'import random; print(round(random.uniform(3, 8), 2))')"
  VICTIM=$((RANDOM % 3))
  kill -KILL "${PIDS[$VICTIM]}" && echo "SIGKILLed worker $((VICTIM + 1)) at $(python3 -c "import time; print(round(time.time() - $T0, 2))") s"
  wait "${PIDS[$VICTIM]}" 2>/dev/null || true
  start_worker "w$((VICTIM + 1))-restarted"
fi
FAILED=0
for p in "${PIDS[@]}"; do wait "$p" || FAILED=$((FAILED + 1)); done
T1=$(date +%s.%N)
echo "workers done in $(python3 -c "print(round($T1 - $T0, 1))") s, $FAILED exited non-zero"
for f in "$WORK"/w*.err; do echo "$(basename "$f" .err): $(grep -h '^campaign .* issued of' "$f" || echo '(killed)') | $(grep -ho 'budget: .*' "$f" || true)"; done
"$TARGET/wxpay" campaign status --journal "$URL" --campaign bench | sed -n '1p;5,9p'
python3 - "$BASE" "$ROWS" "$RATE" <<'PY'
import json, sys, urllib.request, collections
base, rows, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen, per_sec, offset = {}, collections.Counter(), 0
while True:
    page = json.load(urllib.request.urlopen(f"{base}/mock/coupons?stock_id=1000000013005&offset={offset}&limit=1000"))
    if not page["data"]: break
    for c in page["data"]:
        assert c["send_request_no"] not in seen, "issued twice: " + c["send_request_no"]
        seen[c["send_request_no"]] = c["coupon_code"]
        per_sec[c["receive_time"][:19]] += 1
    offset += len(page["data"])
secs = [per_sec[k] for k in sorted(per_sec)]
inner = secs[1:-1]
metrics = urllib.request.urlopen(f"{base}/mock/metrics").read().decode()
r429 = sum(float(l.rsplit(' ', 1)[1]) for l in metrics.splitlines() if l.startswith("wxpay_mock_requests_total") and 'status="429"' in l)
print(f"ledger: {len(seen)} coupons for {rows} rows, each request number once: {len(seen) == rows}")
print(f"per second (whole seconds, first and last left out): n={len(inner)} min={min(inner)} max={max(inner)} "
      f"mean={sum(inner)/len(inner):.1f}  (rate {rate}: -2% {rate*0.98:.0f}, +2% {rate*1.02:.0f})")
print("per second:", secs)
print(f"429 answers: {r429:.0f}")
PY
