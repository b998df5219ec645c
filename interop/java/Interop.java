// An unchanged Java client of WeChat Pay's product-coupon API, run against wxpay-mock's HTTPS
// proxy (docs/sandbox.md): the JDK only (java.net.http, java.security). The client takes the
// proxy from the standard https.proxyHost/https.proxyPort properties and trusts the sandbox CA
// through a truststore made with keytool; nothing here names the emulator. It sends a coupon
// with the dev merchant key, reads it back, and verifies both answers' signatures with the
// dev platform public key.
//
//   keytool -importcert -noprompt -alias wxpay-mock -file DIR/ca.pem -keystore wxpay-mock.p12 -storetype PKCS12 -storepass changeit
//   java -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=8080 \
//        -Djavax.net.ssl.trustStore=wxpay-mock.p12 -Djavax.net.ssl.trustStorePassword=changeit \
//        -Dwxpay.devKeys=crates/mock/dev-keys interop/java/Interop.java

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Interop {
    static final String BASE = "https://api.mch.weixin.qq.com";
    static final String MCHID = "1900000001";
    static final String SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
    static final String PUB_KEY_ID = "PUB_KEY_ID_0119000000012025112900000000000001";
    static final String APPID = "wx233544546545989";
    static final String BRAND_ID = "120344";
    static final String COUPON = "1000000013";
    static final String STOCK = "1000000013005";
    static final SecureRandom RANDOM = new SecureRandom();

    // The default proxy selector reads https.proxyHost/https.proxyPort; h2 by ALPN.
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static PrivateKey key;
    static PublicKey platform;

    static byte[] pem(Path path) throws Exception {
        String text = Files.readString(path).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(text);
    }

    static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static void fail(String message) {
        System.err.println("FAIL " + message);
        System.exit(1);
    }

    /** Signs METHOD\nPATH\nTS\nNONCE\nBODY\n, sends, verifies TS\nNONCE\nBODY\n of the answer. */
    static HttpResponse<String> call(String method, String path, String body) throws Exception {
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        String nonce = random(16);
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update((method + "\n" + path + "\n" + ts + "\n" + nonce + "\n" + body + "\n").getBytes(StandardCharsets.UTF_8));
        String auth = String.format("WECHATPAY2-SHA256-RSA2048 mchid=\"%s\",nonce_str=\"%s\",signature=\"%s\",timestamp=\"%s\",serial_no=\"%s\"",
                MCHID, nonce, Base64.getEncoder().encodeToString(signer.sign()), ts, SERIAL);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", auth)
                .header("Accept", "application/json")
                .header("Wechatpay-Serial", PUB_KEY_ID);
        if (body.isEmpty()) {
            request.GET();
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> res = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String signed = res.headers().firstValue("Wechatpay-Timestamp").orElse("") + "\n"
                + res.headers().firstValue("Wechatpay-Nonce").orElse("") + "\n" + res.body() + "\n";
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(platform);
        verifier.update(signed.getBytes(StandardCharsets.UTF_8));
        String signature = res.headers().firstValue("Wechatpay-Signature").orElse("");
        if (!PUB_KEY_ID.equals(res.headers().firstValue("Wechatpay-Serial").orElse(""))
                || !verifier.verify(Base64.getDecoder().decode(signature))) {
            fail(method + " " + path + ": answer signature not verified (" + res.statusCode() + " " + res.body() + ")");
        }
        System.out.println("ok   " + method + " " + path + " -> " + res.statusCode() + " over " + res.version() + ", signature verified");
        return res;
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    public static void main(String[] args) throws Exception {
        Path keys = Path.of(System.getProperty("wxpay.devKeys", "crates/mock/dev-keys"));
        key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pem(keys.resolve("merchant_key.pem"))));
        platform = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(pem(keys.resolve("platform_pub.pem"))));
        String openid = "oInteropJava" + random(6);
        String path = "/v3/marketing/partner/product-coupon/users/" + openid + "/coupons";
        String body = String.format("{\"product_coupon_id\":\"%s\",\"appid\":\"%s\",\"stock_id\":\"%s\",\"send_request_no\":\"INTEROPJAVA%s\",\"brand_id\":\"%s\"}",
                COUPON, APPID, STOCK, random(8), BRAND_ID);
        HttpResponse<String> sent = call("POST", path, body);
        String code = field(sent.body(), "coupon_code");
        if (sent.statusCode() != 200 || code.isEmpty()) {
            fail("send: " + sent.statusCode() + " " + sent.body());
        }
        String query = "?appid=" + APPID + "&brand_id=" + BRAND_ID + "&product_coupon_id=" + COUPON + "&stock_id=" + STOCK;
        HttpResponse<String> got = call("GET", path + "/" + code + query, "");
        if (got.statusCode() != 200 || !code.equals(field(got.body(), "coupon_code"))) {
            fail("get: " + got.statusCode() + " " + got.body());
        }
        System.out.println("coupon_code=" + code + " openid=" + openid);
    }
}
