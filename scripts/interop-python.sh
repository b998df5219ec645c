#!/usr/bin/env bash
# Prints a Python interpreter that has wechatpayv3 2.0.4 (and so requests and cryptography):
# python3 when it has them, else a venv under ~/.cache made (from PyPI) when missing. Used by
# scripts/interop-smoke.sh and by .ci/run (WXPAY_INTEROP_PYTHON for the interop tests).
set -euo pipefail
if python3 -c 'import wechatpayv3, requests, cryptography' 2>/dev/null; then
  command -v python3
  exit 0
fi
VENV="$HOME/.cache/wxpay-interop-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" >&2
"$VENV/bin/python" -c 'import wechatpayv3' 2>/dev/null || "$VENV/bin/pip" install -q wechatpayv3==2.0.4 >&2
echo "$VENV/bin/python"
