// An unchanged Go client of WeChat Pay's product-coupon API, run against wxpay-mock's HTTPS
// proxy (docs/sandbox.md): the standard library only. net/http takes the proxy from
// HTTPS_PROXY and, on Linux, the trusted roots from SSL_CERT_FILE; nothing here names the
// emulator. It sends a coupon with the dev merchant key, reads it back on the same
// connection, and verifies both answers' signatures with the dev platform public key.
//
//	HTTPS_PROXY=http://127.0.0.1:8080 SSL_CERT_FILE=DIR/ca.pem WXPAY_DEV_KEYS=crates/mock/dev-keys go run interop/go/main.go
package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

const (
	base     = "https://api.mch.weixin.qq.com"
	mchid    = "1900000001"
	serial   = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
	pubKeyID = "PUB_KEY_ID_0119000000012025112900000000000001"
	appid    = "wx233544546545989"
	brandID  = "120344"
	coupon   = "1000000013"
	stock    = "1000000013005"
)

func pemBlock(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("read %s: %v", path, err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		fail("%s: no PEM block", path)
	}
	return block.Bytes
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL "+format+"\n", args...)
	os.Exit(1)
}

func random(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		fail("random: %v", err)
	}
	return hex.EncodeToString(b)
}

type client struct {
	http     *http.Client
	key      *rsa.PrivateKey
	platform *rsa.PublicKey
}

// call signs METHOD\nPATH\nTS\nNONCE\nBODY\n, sends, and verifies TS\nNONCE\nBODY\n of the answer.
func (c *client) call(method, path string, body []byte) (int, map[string]interface{}) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := random(16)
	digest := sha256.Sum256([]byte(method + "\n" + path + "\n" + ts + "\n" + nonce + "\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.key, crypto.SHA256, digest[:])
	if err != nil {
		fail("sign: %v", err)
	}
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		fail("request: %v", err)
	}
	req.Header.Set("Authorization", fmt.Sprintf(`WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"`,
		mchid, nonce, base64.StdEncoding.EncodeToString(sig), ts, serial))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Wechatpay-Serial", pubKeyID)
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		fail("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		fail("read answer: %v", err)
	}
	h := res.Header
	signed := h.Get("Wechatpay-Timestamp") + "\n" + h.Get("Wechatpay-Nonce") + "\n" + string(answer) + "\n"
	got, err := base64.StdEncoding.DecodeString(h.Get("Wechatpay-Signature"))
	if err != nil {
		fail("answer signature: %v", err)
	}
	d := sha256.Sum256([]byte(signed))
	if h.Get("Wechatpay-Serial") != pubKeyID || rsa.VerifyPKCS1v15(c.platform, crypto.SHA256, d[:], got) != nil {
		fail("%s %s: answer signature not verified (%d %s)", method, path, res.StatusCode, answer)
	}
	fmt.Printf("ok   %s %s -> %d over %s, signature verified\n", method, path, res.StatusCode, res.Proto)
	var parsed map[string]interface{}
	_ = json.Unmarshal(answer, &parsed)
	return res.StatusCode, parsed
}

func main() {
	keys := os.Getenv("WXPAY_DEV_KEYS")
	if keys == "" {
		keys = filepath.Join("crates", "mock", "dev-keys")
	}
	anyKey, err := x509.ParsePKCS8PrivateKey(pemBlock(filepath.Join(keys, "merchant_key.pem")))
	if err != nil {
		fail("merchant key: %v", err)
	}
	anyPub, err := x509.ParsePKIXPublicKey(pemBlock(filepath.Join(keys, "platform_pub.pem")))
	if err != nil {
		fail("platform key: %v", err)
	}
	key, ok1 := anyKey.(*rsa.PrivateKey)
	platform, ok2 := anyPub.(*rsa.PublicKey)
	if !ok1 || !ok2 {
		fail("the dev keys are not RSA")
	}
	// http.DefaultTransport: proxy from HTTPS_PROXY, h2 by ALPN, connections kept alive.
	c := &client{http: &http.Client{Timeout: 30 * time.Second}, key: key, platform: platform}
	openid := "oInteropGo" + random(6)
	path := "/v3/marketing/partner/product-coupon/users/" + openid + "/coupons"
	body, _ := json.Marshal(map[string]string{"product_coupon_id": coupon, "appid": appid, "stock_id": stock,
		"send_request_no": "INTEROPGO" + random(8), "brand_id": brandID})
	status, sent := c.call("POST", path, body)
	code, _ := sent["coupon_code"].(string)
	if status != 200 || code == "" {
		fail("send: %d %v", status, sent)
	}
	query := "?appid=" + appid + "&brand_id=" + brandID + "&product_coupon_id=" + coupon + "&stock_id=" + stock
	status, got := c.call("GET", path+"/"+code+query, nil)
	if status != 200 || got["coupon_code"] != code {
		fail("get: %d %v", status, got)
	}
	fmt.Printf("coupon_code=%s openid=%s\n", code, openid)
}
