#!/usr/bin/env python3
"""An unchanged Python client (requests + cryptography) of WeChat Pay's product-coupon API, run
against wxpay-mock's HTTPS proxy (docs/sandbox.md). requests takes the proxy from HTTPS_PROXY
and the trusted roots from REQUESTS_CA_BUNDLE; nothing here names the emulator. It sends a
coupon with the dev merchant key, reads it back on the same connection, and verifies both
answers' signatures with the dev platform public key.

    pip install requests cryptography
    HTTPS_PROXY=http://127.0.0.1:8080 REQUESTS_CA_BUNDLE=DIR/ca.pem WXPAY_DEV_KEYS=crates/mock/dev-keys \
        python3 interop/python/send_via_proxy.py
"""
import base64, json, os, secrets, sys, time

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

BASE = "https://api.mch.weixin.qq.com"
MCHID, SERIAL = "1900000001", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUB_KEY_ID = "PUB_KEY_ID_0119000000012025112900000000000001"
APPID, BRAND_ID, COUPON, STOCK = "wx233544546545989", "120344", "1000000013", "1000000013005"

keys = os.environ.get("WXPAY_DEV_KEYS", os.path.join("crates", "mock", "dev-keys"))
with open(os.path.join(keys, "merchant_key.pem"), "rb") as f:
    merchant_key = serialization.load_pem_private_key(f.read(), password=None)
with open(os.path.join(keys, "platform_pub.pem"), "rb") as f:
    platform_key = serialization.load_pem_public_key(f.read())
session = requests.Session()   # one kept-alive tunnel


def fail(message):
    print("FAIL " + message, file=sys.stderr)
    sys.exit(1)


def call(method, path, body=""):
    """Signs METHOD\\nPATH\\nTS\\nNONCE\\nBODY\\n, sends, verifies TS\\nNONCE\\nBODY\\n of the answer."""
    ts, nonce = str(int(time.time())), secrets.token_hex(16)
    message = f"{method}\n{path}\n{ts}\n{nonce}\n{body}\n".encode()
    signature = base64.b64encode(merchant_key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    headers = {"Authorization": f'WECHATPAY2-SHA256-RSA2048 mchid="{MCHID}",nonce_str="{nonce}",'
                                f'signature="{signature}",timestamp="{ts}",serial_no="{SERIAL}"',
               "Accept": "application/json", "Wechatpay-Serial": PUB_KEY_ID}
    if body:
        headers["Content-Type"] = "application/json"
    r = session.request(method, BASE + path, data=body.encode() or None, headers=headers, timeout=30)
    h = r.headers
    try:
        if h.get("Wechatpay-Serial") != PUB_KEY_ID:
            raise ValueError("serial " + str(h.get("Wechatpay-Serial")))
        platform_key.verify(base64.b64decode(h["Wechatpay-Signature"]),
                            f"{h['Wechatpay-Timestamp']}\n{h['Wechatpay-Nonce']}\n{r.text}\n".encode(),
                            padding.PKCS1v15(), hashes.SHA256())
    except Exception as e:
        fail(f"{method} {path}: answer signature not verified ({r.status_code} {r.text[:200]}): {e!r}")
    print(f"ok   {method} {path} -> {r.status_code}, signature verified")
    return r.status_code, (r.json() if r.text else {})


openid = "oInteropPy" + secrets.token_hex(6)
path = f"/v3/marketing/partner/product-coupon/users/{openid}/coupons"
status, sent = call("POST", path, json.dumps({"product_coupon_id": COUPON, "appid": APPID, "stock_id": STOCK,
                                               "send_request_no": "INTEROPPY" + secrets.token_hex(8), "brand_id": BRAND_ID}))
code = sent.get("coupon_code", "")
if status != 200 or not code:
    fail(f"send: {status} {sent}")
status, got = call("GET", f"{path}/{code}?appid={APPID}&brand_id={BRAND_ID}&product_coupon_id={COUPON}&stock_id={STOCK}")
if status != 200 or got.get("coupon_code") != code:
    fail(f"get: {status} {got}")
print(f"coupon_code={code} openid={openid}")
