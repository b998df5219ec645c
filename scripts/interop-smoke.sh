#!/usr/bin/env bash
# The interop smoke test end to end: a wxpay-mock binary on 127.0.0.1 (with --ca-dir: also the
# HTTPS proxy), then interop/wechatpayv3_smoke.py (a third-party client, wechatpayv3 from
# PyPI) against it twice: pointed at the emulator's URL, and unchanged (its default gateway
# https://api.mch.weixin.qq.com) through the proxy, trusting the sandbox CA.
#
#   scripts/interop-smoke.sh [PATH-TO-wxpay-mock]
#
# Default binary: $CARGO_TARGET_DIR (or target)/debug/wxpay-mock, as `cargo test --workspace`
# leaves it. wechatpayv3 2.0.4 is installed into a venv under ~/.cache when it is not importable.
# Exit 0 only when every check passes; the emulator is stopped either way.
set -euo pipefail
cd "$(dirname "$0")/.."
MOCK=${1:-${CARGO_TARGET_DIR:-target}/debug/wxpay-mock}
[ -x "$MOCK" ] || { echo "no wxpay-mock binary at $MOCK (cargo build -p wxpay-mock)" >&2; exit 2; }

PY=$(scripts/interop-python.sh)

WORK=$(mktemp -d /tmp/wxpay-interop.XXXXXX)
cleanup() {
  kill "${MOCK_PID:-}" 2>/dev/null || true
  wait "${MOCK_PID:-}" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# --dev-certificate: the smoke also drives wechatpayv3 in certificate mode.
"$MOCK" --listen 127.0.0.1:0 --ca-dir "$WORK/ca" --dev-certificate >"$WORK/out" 2>"$WORK/err" &
MOCK_PID=$!
URL=""
for _ in $(seq 100); do
  URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$WORK/out")
  [ -n "$URL" ] && break
  kill -0 "$MOCK_PID" 2>/dev/null || { cat "$WORK/err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "wxpay-mock did not say where it listens within 10 s" >&2; exit 1; }
timeout 300 "$PY" interop/wechatpayv3_smoke.py "$URL" --certificate-mode
timeout 300 "$PY" interop/wechatpayv3_smoke.py "$URL" --certificate-mode --via-proxy "$WORK/ca/ca.pem"
