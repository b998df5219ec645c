//! Writes seed inputs for the fuzz targets into `corpus/<target>/` (cargo-fuzz's default
//! corpus directories): what valid input looks like, so that the fuzzers start deep in
//! each parser instead of rediscovering JSON field names.
//!
//! ```sh
//! cd fuzz && cargo run --example seeds
//! ```

use std::path::Path;

use serde_json::json;
use wxpay_mock::fixtures::{Fixtures, dev};
use wxpay_models::examples as ex;
use wxpay_models::{Endpoint, Mode, Target, WxTime, encode};
use wxpay_signing::{PrivateKey, Signer};

const MERCHANT_KEY: &[u8] = include_bytes!("../../crates/mock/dev-keys/merchant_key.pem");

macro_rules! names {
    ($($req:ty),* $(,)?) => {
        [$(<$req as Endpoint>::OPERATION.name),*]
    };
}

fn write(target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = Path::new("corpus").join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)
}

/// The `decode` target's input for `request` in each mode: the operation's index, one line
/// per path parameter, the query line, the body.
fn decode_seeds<E: Endpoint>(request: E, out: &mut Vec<(String, Vec<u8>)>) {
    let order = wxpay_models::for_each_endpoint!(names);
    let op = E::OPERATION;
    let index = order.iter().position(|n| *n == op.name).expect("listed") as u8;
    for mode in Mode::ALL.into_iter().filter(|m| op.supports(*m)) {
        let wire = encode(
            &request,
            Target {
                mode,
                brand_id: Some(dev::BRAND_ID),
            },
        )
        .expect("examples encode");
        let (path, query) = wire
            .path_and_query
            .split_once('?')
            .unwrap_or((&wire.path_and_query, ""));
        let (_, rest) = Mode::split_path(path).expect("a mode's path");
        let params = op.match_path(rest).expect("its own path");
        let mut input = vec![index];
        for (_, value) in params {
            input.extend_from_slice(value.as_bytes());
            input.push(b'\n');
        }
        input.extend_from_slice(query.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(&wire.body);
        out.push((format!("{}-{mode}-{}", op.kebab, out.len()), input));
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut decode = Vec::new();
    let d = &mut decode;
    decode_seeds(ex::create_product_coupon(), d);
    decode_seeds(ex::create_bundle_coupon(), d);
    decode_seeds(ex::query_product_coupon(), d);
    decode_seeds(ex::update_product_coupon(), d);
    decode_seeds(ex::deactivate_product_coupon(), d);
    decode_seeds(ex::create_stock(), d);
    decode_seeds(ex::list_stocks(), d);
    decode_seeds(ex::get_stock(), d);
    decode_seeds(ex::update_stock(), d);
    decode_seeds(ex::update_stock_budget(), d);
    decode_seeds(ex::deactivate_stock(), d);
    decode_seeds(ex::upload_coupon_codes(), d);
    decode_seeds(ex::associate_stores(), d);
    decode_seeds(ex::disassociate_stores(), d);
    decode_seeds(ex::list_associated_stores(), d);
    decode_seeds(ex::create_stock_bundle(), d);
    decode_seeds(ex::update_stock_bundle(), d);
    decode_seeds(ex::update_stock_bundle_budget(), d);
    decode_seeds(ex::associate_bundle_stores(), d);
    decode_seeds(ex::disassociate_bundle_stores(), d);
    decode_seeds(ex::send(), d);
    decode_seeds(ex::pre_send(), d);
    decode_seeds(ex::confirm(), d);
    decode_seeds(ex::send_bundle(), d);
    decode_seeds(ex::pre_send_bundle(), d);
    decode_seeds(ex::use_coupon(), d);
    decode_seeds(ex::get_coupon(), d);
    decode_seeds(ex::list_coupons(), d);
    decode_seeds(ex::deactivate_coupon(), d);
    decode_seeds(ex::return_coupon(), d);
    decode_seeds(ex::deactivate_bundle(), d);
    decode_seeds(ex::set_notify(), d);
    decode_seeds(ex::get_notify(), d);
    decode_seeds(ex::upload(), d);
    decode_seeds(ex::create_task(), d);
    decode_seeds(ex::get_task(), d);
    // Every operation has a seed.
    let covered: std::collections::BTreeSet<u8> =
        decode.iter().map(|(_, input)| input[0]).collect();
    assert_eq!(
        covered.len(),
        wxpay_models::operations::ALL.len(),
        "an operation has no example here"
    );
    for (name, input) in &decode {
        write("decode", name, input)?;
    }

    // multipart: an upload as the SDK encodes it, and built bodies (PNG, JPEG, meta last).
    let upload = ex::upload().multipart().expect("multipart");
    write(
        "multipart",
        "sdk-upload",
        &[[0].as_slice(), &upload.body].concat(),
    )?;
    for (name, kind) in [
        ("built-png", 0b0010_0011u8),
        ("built-jpeg-meta-last", 0b0100_0001),
        ("built-extra", 0b0010_1011),
    ] {
        let filename = if kind & 0x40 != 0 {
            "a.jpg"
        } else {
            "logo.png"
        };
        let mut input = vec![kind, 8];
        input.extend_from_slice(b"boundary");
        input.push(filename.len() as u8);
        input.extend_from_slice(filename.as_bytes());
        input.extend_from_slice(b"\0\0\0\rIHDR");
        write("multipart", name, &input)?;
    }

    // authorization: headers as the signers write them, and the five-field form.
    let key = || PrivateKey::from_pem(MERCHANT_KEY).expect("dev key");
    let path = "/v3/marketing/partner/product-coupon/users/o1/coupons";
    let merchant =
        Signer::new(dev::MCHID, dev::MERCHANT_SERIAL, key()).authorization("POST", path, b"{}")?;
    let brand =
        Signer::brand(dev::BRAND_ID, dev::BRAND_SERIAL, key()).authorization("GET", path, b"")?;
    write(
        "authorization",
        "merchant",
        &[[0].as_slice(), merchant.to_string().as_bytes()].concat(),
    )?;
    write(
        "authorization",
        "brand",
        &[[0].as_slice(), brand.to_string().as_bytes()].concat(),
    )?;
    write(
        "authorization",
        "fields",
        b"\x031900000001\nNONCE123\nc2ln\n1764381600\n5157F09E",
    )?;
    write(
        "authorization",
        "fields-brand",
        b"\x83120344\nNONCE123\nc2ln\n1764381600\n5157F09E",
    )?;

    // request_path: a valid send body (signed by the target), the same with a header of
    // our own, an openid.
    let send = json!({"product_coupon_id": dev::PRODUCT_COUPON_ID, "appid": dev::APPID, "stock_id": dev::STOCK_WECHATPAY, "send_request_no": "FUZZ000001", "brand_id": dev::BRAND_ID});
    let send = serde_json::to_vec(&send)?;
    write("request_path", "send", &[[0].as_slice(), &send].concat())?;
    let header = format!("{merchant}\n");
    write(
        "request_path",
        "header",
        &[[1].as_slice(), header.as_bytes(), &send].concat(),
    )?;
    write(
        "request_path",
        "openid",
        b"\x02oh-394z-6CGkNoJrsDLTTUKiAnp4",
    )?;

    // admin_body: the route index (admin_body.rs ROUTES), then the body.
    let fixtures = Fixtures::dev(WxTime::from_unix_clamped(1_764_381_600));
    let mut admin: Vec<(String, u8, Vec<u8>)> = Vec::new();
    for (i, p) in fixtures.product_coupons.iter().enumerate() {
        admin.push((format!("product-coupon-{i}"), 0, serde_json::to_vec(p)?));
    }
    for (i, s) in fixtures.stocks.iter().enumerate() {
        admin.push((format!("stock-{i}"), 1, serde_json::to_vec(s)?));
    }
    let codes = format!(
        "{}\n{}",
        dev::STOCK_UPLOAD,
        json!({"codes": ["FUZZ0001", "FUZZ-0002"]})
    );
    admin.push(("codes".into(), 2, codes.into_bytes()));
    admin.push((
        "faults".into(),
        3,
        serde_json::to_vec(&json!({"error_rate": 0.5, "latency_ms": 5, "seed": 7}))?,
    ));
    let rule = json!({"operation": "send-user-product-coupon", "times": 2, "match": {"openid": "o1"}, "answer": {"business_code": 272756740}});
    admin.push(("rule".into(), 4, serde_json::to_vec(&rule)?));
    admin.push(("rule-delay".into(), 4, serde_json::to_vec(&json!({"operation": "use-user-product-coupon", "times": 1, "answer": {"latency_ms": 1}}))?));
    admin.push(("namespace".into(), 5, br#"{"mode":"brand"}"#.to_vec()));
    admin.push(("clock".into(), 6, br#"{"offset_secs":86400}"#.to_vec()));
    admin.push(("snapshot".into(), 7, br#"{"name":"base"}"#.to_vec()));
    admin.push(("restore".into(), 8, b"base\n".to_vec()));
    admin.push((
        "claim".into(),
        9,
        b"0123456789abcdef0123456789abcdef\n".to_vec(),
    ));
    for (name, route, body) in admin {
        write("admin_body", &name, &[[route].as_slice(), &body].concat())?;
    }
    // snapshot: the dev world, after the header the target adds (kind 0) and whole (kind 1).
    let now = 1_764_381_600;
    let world = wxpay_mock_core::World::new(
        &wxpay_mock_core::Seed::new(Fixtures::dev(WxTime::from_unix_clamped(now)), 7),
        now,
    )?;
    let snapshot = world.snapshot()?;
    write(
        "snapshot",
        "dev-world",
        &[[0].as_slice(), &snapshot[12..]].concat(),
    )?;
    write(
        "snapshot",
        "dev-world-whole",
        &[[1].as_slice(), &snapshot].concat(),
    )?;
    println!("seeds written under {}", Path::new("corpus").display());
    Ok(())
}
