// An unchanged Node.js client of WeChat Pay's product-coupon API, run against wxpay-mock's
// HTTPS proxy (docs/sandbox.md): Node's standard library only. Node trusts the sandbox CA
// through NODE_EXTRA_CA_CERTS; node:https has no proxy support of its own, so ProxyAgent
// below (a keep-alive https.Agent that opens each connection with CONNECT through
// HTTPS_PROXY) is what an app adds. Nothing here names the emulator. It sends a coupon with
// the dev merchant key, reads it back on the same connection, and verifies both answers'
// signatures with the dev platform public key.
//
//   HTTPS_PROXY=http://127.0.0.1:8080 NODE_EXTRA_CA_CERTS=DIR/ca.pem WXPAY_DEV_KEYS=crates/mock/dev-keys node interop/node/interop.mjs
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';

const BASE = 'https://api.mch.weixin.qq.com';
const MCHID = '1900000001';
const SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const PUB_KEY_ID = 'PUB_KEY_ID_0119000000012025112900000000000001';
const APPID = 'wx233544546545989';
const BRAND_ID = '120344';
const COUPON = '1000000013';
const STOCK = '1000000013005';

/** An https.Agent whose connections are CONNECT tunnels through an http:// proxy. */
class ProxyAgent extends https.Agent {
  constructor(proxy) {
    super({ keepAlive: true });
    this.proxy = new URL(proxy);
  }

  createConnection(options, callback) {
    const target = `${options.host}:${options.port || 443}`;
    const connect = http.request({
      host: this.proxy.hostname, port: this.proxy.port || 80, method: 'CONNECT', path: target, headers: { host: target },
    });
    connect.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback(new Error(`proxy refused CONNECT ${target}: ${res.statusCode} ${res.statusMessage}`));
        return;
      }
      callback(null, tls.connect({ ...options, socket, servername: options.servername || options.host }));
    });
    connect.once('error', callback);
    connect.end();
  }
}

function fail(message) {
  console.error(`FAIL ${message}`);
  process.exit(1);
}

const keys = process.env.WXPAY_DEV_KEYS || path.join('crates', 'mock', 'dev-keys');
const merchantKey = fs.readFileSync(path.join(keys, 'merchant_key.pem'));
const platformKey = fs.readFileSync(path.join(keys, 'platform_pub.pem'));
const proxy = process.env.HTTPS_PROXY || process.env.https_proxy;
if (!proxy) fail('HTTPS_PROXY is not set');
const agent = new ProxyAgent(proxy);

/** Signs METHOD\nPATH\nTS\nNONCE\nBODY\n, sends, verifies TS\nNONCE\nBODY\n of the answer. */
function call(method, urlPath, body = '') {
  const ts = Math.floor(Date.now() / 1000).toString();
  const nonce = crypto.randomBytes(16).toString('hex');
  const signature = crypto.createSign('RSA-SHA256').update(`${method}\n${urlPath}\n${ts}\n${nonce}\n${body}\n`).sign(merchantKey, 'base64');
  const headers = {
    Authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${MCHID}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${SERIAL}"`,
    Accept: 'application/json',
    'Wechatpay-Serial': PUB_KEY_ID,
  };
  if (body) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(`${BASE}${urlPath}`, { method, headers, agent, timeout: 30000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = res.headers;
        const ok = h['wechatpay-serial'] === PUB_KEY_ID && crypto.createVerify('RSA-SHA256')
          .update(`${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${text}\n`)
          .verify(platformKey, h['wechatpay-signature'] || '', 'base64');
        if (!ok) reject(new Error(`${method} ${urlPath}: answer signature not verified (${res.statusCode} ${text})`));
        console.log(`ok   ${method} ${urlPath} -> ${res.statusCode} over HTTP/${res.httpVersion}, signature verified`);
        resolve({ status: res.statusCode, json: text ? JSON.parse(text) : {} });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

try {
  const openid = `oInteropNode${crypto.randomBytes(6).toString('hex')}`;
  const urlPath = `/v3/marketing/partner/product-coupon/users/${openid}/coupons`;
  const body = JSON.stringify({
    product_coupon_id: COUPON, appid: APPID, stock_id: STOCK,
    send_request_no: `INTEROPNODE${crypto.randomBytes(8).toString('hex')}`, brand_id: BRAND_ID,
  });
  const sent = await call('POST', urlPath, body);
  const code = sent.json.coupon_code;
  if (sent.status !== 200 || !code) fail(`send: ${sent.status} ${JSON.stringify(sent.json)}`);
  const query = `?appid=${APPID}&brand_id=${BRAND_ID}&product_coupon_id=${COUPON}&stock_id=${STOCK}`;
  const got = await call('GET', `${urlPath}/${code}${query}`);
  if (got.status !== 200 || got.json.coupon_code !== code) fail(`get: ${got.status} ${JSON.stringify(got.json)}`);
  console.log(`coupon_code=${code} openid=${openid}`);
  agent.destroy();
} catch (e) {
  fail(e.message);
}
