"""Brand-direct signing vectors, made independently of the Rust code with `cryptography`.

Run from this folder: python3 make_brand_vectors.py > brand-signing-vectors.json
The header format is Tencent's brand sample (wxpay_brand_utility.go):
WECHATPAY-BRAND-SHA256-RSA2048 brand_id="%s",nonce_str="%s",timestamp="%d",serial_no="%s",signature="%s"
RSA PKCS#1 v1.5 over SHA-256 is deterministic, so the Rust signer must match byte for byte.
"""
import base64
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

BRAND_ID = "120344"
SERIAL = "4F8A1C9D2B3E5F60718293A4B5C6D7E8F9012345"
PREFIX = "/brand/marketing/product-coupon"

with open("keys/merchant_key.pem", "rb") as f:
    key = serialization.load_pem_private_key(f.read(), password=None)

cases = [
    ("POST", PREFIX + "/users/oh-394z-6CGkNoJrsDLTTUKiAnp4/coupons", 1764381600, "593BEC0C930BF1AFEB40B4A08C8FB242",
     '{"product_coupon_id":"1000000013","appid":"wx233544546545989","stock_id":"1000000013001","send_request_no":"BRANDSEND0001"}'),
    ("GET", PREFIX + "/users/o1/coupons/8000000000001?appid=wx233544546545989&product_coupon_id=1000000013&stock_id=1000000013001",
     1764381601, "N0nce-With-Dash", ""),
    ("PATCH", PREFIX + "/product-coupons/1000000013", 1764381602, "abc",
     '{"out_request_no":"UPD_000001","display_info":{"name":"券名"}}'),
    ("POST", PREFIX + "/media/upload-image", 1764381603, "8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D",
     '{"filename":"a.png","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}'),
    ("GET", PREFIX + "/notify-configs", 1764381604, "x", ""),
]

out = {"about": __doc__.strip().splitlines()[0], "brand_id": BRAND_ID, "serial_no": SERIAL,
       "private_key": "keys/merchant_key.pem", "public_key": "keys/merchant_pub.pem", "requests": []}
for method, url, ts, nonce, body in cases:
    message = f"{method}\n{url}\n{ts}\n{nonce}\n{body}\n"
    sig = base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    auth = (f'WECHATPAY-BRAND-SHA256-RSA2048 brand_id="{BRAND_ID}",nonce_str="{nonce}",'
            f'timestamp="{ts}",serial_no="{SERIAL}",signature="{sig}"')
    out["requests"].append({"method": method, "url": url, "timestamp": str(ts), "nonce": nonce,
                            "body": body, "message": message, "signature": sig, "authorization": auth})
print(json.dumps(out, ensure_ascii=False, indent=2))
