#!/usr/bin/env python3
"""Interop smoke test: a third-party WeChat Pay client (wechatpayv3, PyPI) against wxpay-mock.

    pip install wechatpayv3==2.0.4
    python3 wechatpayv3_smoke.py http://127.0.0.1:PORT [--keys DIR] [--mchid ...] [--serial ...] ...

Defaults match docs/emulator.md (dev state) (dev state) with the keys in ../crates/signing/tests/data/keys
(the dev keys of the emulator). It issues the seed's
member-coupon request through wechatpayv3 (which signs the request its own way and verifies the
response signature with its own code), replays it (idempotency), confirms it (twice), sends a tampered request,
and receives a PRODUCT_COUPON.SEND callback that wechatpayv3 verifies and decrypts.
Exit 0 when all of them behave as WeChat Pay would."""
import argparse, json, os, sys, threading, time, uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.type import RequestType

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("url")
ap.add_argument("--keys", default=os.path.join(here, "..", "crates", "signing", "tests", "data", "keys"))
ap.add_argument("--mchid", default="1900000001")
ap.add_argument("--serial", default="5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
ap.add_argument("--public-key-id", default="PUB_KEY_ID_0119000000012025112900000000000001")
ap.add_argument("--stock-id", default="1000000013001")
ap.add_argument("--product-coupon-id", default="1000000013")
ap.add_argument("--brand-id", default="120344")
ap.add_argument("--appid", default="wx233544546545989")
ap.add_argument("--apiv3-key", default="DevOnly-wxpay-mock-APIv3-key-001")   # the dev merchant's
a = ap.parse_args()
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

w = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=a.mchid,
              private_key=open(os.path.join(a.keys, "merchant_key.pem")).read(), cert_serial_no=a.serial,
              appid=a.appid, apiv3_key=a.apiv3_key,
              public_key=open(os.path.join(a.keys, "platform_pub.pem")).read(), public_key_id=a.public_key_id)
w._core._gate_way = a.url.rstrip("/")
openid = "oSmoke" + uuid.uuid4().hex[:16]
path = f"/v3/marketing/partner/product-coupon/users/{openid}/coupons"
body = {"coupon_code": "Smoke_" + uuid.uuid4().hex[:12], "product_coupon_id": a.product_coupon_id,
        "appid": a.appid, "attach": "any attach content",
        "coupon_tag_info": {"coupon_tag_list": ["MEMBER"], "member_tag_info": {"member_card_id": "MemberCardId_1234567890"}},
        "stock_id": a.stock_id, "send_request_no": "SMOKE" + uuid.uuid4().hex, "brand_id": a.brand_id}
fails = 0
def report(ok, what, detail=""):
    global fails
    fails += 0 if ok else 1
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f"  [{detail}]"))

try:
    code, text = w._core.request(path, method=RequestType.POST, data=body)   # raises if the 2xx signature fails
    report(code == 200 and json.loads(text).get("coupon_code") == body["coupon_code"], "issue accepted; response verified by wechatpayv3", (code, str(text)[:300]))
    code2, text2 = w._core.request(path, method=RequestType.POST, data=body)
    report(code2 == 200 and json.loads(text2).get("coupon_code") == body["coupon_code"], "same send_request_no replayed -> same coupon", (code2, str(text2)[:200]))
    # the confirm handshake (docs/contracts.md §8), also through wechatpayv3's signer and verifier
    confirm = {"product_coupon_id": a.product_coupon_id, "stock_id": a.stock_id, "appid": a.appid,
               "out_request_no": "SMOKEK" + uuid.uuid4().hex[:24], "brand_id": a.brand_id}
    cpath = f"{path}/{body['coupon_code']}/confirm"
    code3, text3 = w._core.request(cpath, method=RequestType.POST, data=confirm)
    report(code3 == 200 and json.loads(text3).get("coupon_state") == "EFFECTIVE", "confirm -> EFFECTIVE; response verified", (code3, str(text3)[:300]))
    code4, text4 = w._core.request(cpath, method=RequestType.POST, data=confirm)
    report(code4 == 200 and json.loads(text4).get("confirm_request_no") == confirm["out_request_no"], "same out_request_no replayed -> same confirm", (code4, str(text4)[:200]))
except Exception as e:
    report(False, "wechatpayv3 request", f"{type(e).__name__}: {e}")
# a request whose body was changed after signing must be refused with 401 SIGN_ERROR
from wechatpayv3.utils import build_authorization
signed = json.dumps(dict(body, send_request_no="SMOKE" + uuid.uuid4().hex))
auth = build_authorization(path, "POST", a.mchid, a.serial, w._core._private_key, data=signed)
r = requests.post(a.url.rstrip("/") + path, data=signed.replace("any attach", "any ATTACH"),
                  headers={"Authorization": auth, "Content-Type": "application/json", "Accept": "application/json"}, timeout=10)
report(r.status_code == 401 and r.json().get("code") == "SIGN_ERROR", "tampered body -> 401 SIGN_ERROR", (r.status_code, r.text[:200]))
# a PRODUCT_COUPON.SEND callback, verified and decrypted by wechatpayv3's own callback()
received = []
class Notify(BaseHTTPRequestHandler):
    def do_POST(self):
        received.append((self.headers, self.rfile.read(int(self.headers.get("Content-Length", 0)))))
        self.send_response(200); self.end_headers(); self.wfile.write(b'{"code":"SUCCESS"}')
    def log_message(self, *args):
        pass
receiver = HTTPServer(("127.0.0.1", 0), Notify)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
try:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/notify"
    code5, _ = w._core.request("/v3/marketing/partner/product-coupon/notify-configs", method=RequestType.POST, data={"notify_url": url})
    body2 = dict(body, coupon_code="Smoke_" + uuid.uuid4().hex[:12], send_request_no="SMOKE" + uuid.uuid4().hex)
    w._core.request(path, method=RequestType.POST, data=body2)
    deadline = time.time() + 10
    while not received and time.time() < deadline:
        time.sleep(0.05)
    event = w.callback(received[0][0], received[0][1]) if received else None
    report(code5 == 200 and bool(event) and event.get("event_type") == "PRODUCT_COUPON.SEND"
           and event["resource"].get("coupon_code") == body2["coupon_code"],
           "callback verified and decrypted by wechatpayv3", (code5, len(received), str(event)[:300]))
except Exception as e:
    report(False, "callback", f"{type(e).__name__}: {e}")
finally:
    receiver.shutdown()
print("interop smoke:", "pass" if fails == 0 else f"{fails} failed")
sys.exit(1 if fails else 0)
