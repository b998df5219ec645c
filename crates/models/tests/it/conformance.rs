//! Conformance with the partner YAML (tests/data/openapi/, copied unchanged with its MIT
//! LICENSE) and the operation names of tests/data/operation-names.tsv:
//! (a) the YAML's operations are exactly `operations::ALL`;
//! (b) a request and an answer built from every schema's examples decode and serialize back
//!     with every field;
//! (c) every enum value the YAML lists is a known variant;
//! (d) names, methods and templates of both modes match the TSV.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value, json};
use wxpay_models::operations::{self, ALL};
use wxpay_models::*;

const PARTNER: &str = "/v3/marketing/partner/product-coupon";

/// One operation of the YAML.
struct YamlOp {
    method: String,
    /// The partner template, e.g. `/v3/…/users/{openid}/coupons`.
    template: String,
    /// The path after the prefix, as the YAML file is named.
    suffix: String,
    spec: Value,
}

fn yaml_ops() -> Vec<YamlOp> {
    let root = crate::data_path("openapi");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut ops = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&root).expect("under root");
        let suffix = format!("/{}", rel.with_extension("").to_string_lossy());
        let text = std::fs::read_to_string(&file).expect("read yaml");
        let doc: Value = serde_norway::from_str(&text).expect("yaml");
        for (method, spec) in doc.as_object().expect("methods") {
            ops.push(YamlOp {
                method: method.to_uppercase(),
                template: format!("{PARTNER}{suffix}"),
                suffix: suffix.clone(),
                spec: spec.clone(),
            });
        }
    }
    ops
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn yaml_operations_are_exactly_the_operation_table() {
    let ops = yaml_ops();
    assert_eq!(ops.len(), 35);
    for y in &ops {
        let matching: Vec<_> = ALL
            .iter()
            .filter(|op| op.method.as_str() == y.method && op.template(Mode::Partner) == y.template)
            .collect();
        assert_eq!(matching.len(), 1, "{} {}", y.method, y.template);
    }
    for op in ALL {
        let n = ops
            .iter()
            .filter(|y| op.method.as_str() == y.method && op.template(Mode::Partner) == y.template)
            .count();
        assert_eq!(n, 1, "{}", op.name);
    }
}

/// What the round trips covered.
#[derive(Default, Debug)]
struct Counts {
    operations: usize,
    request_fields: usize,
    response_fields: usize,
    /// Operations whose example request breaks a documented limit, decoded with serde only.
    serde_only: Vec<&'static str>,
}

type Check = fn(&YamlOp, &mut Counts);

macro_rules! table {
    ($($t:ty),* $(,)?) => {
        fn checks() -> Vec<(&'static Operation, Check)> {
            vec![$((<$t as Endpoint>::OPERATION, round_trip::<$t> as Check)),*]
        }
    };
}
wxpay_models::for_each_endpoint!(table);

#[test]
fn every_request_type_is_registered_once() {
    let names: Vec<&str> = checks().iter().map(|(op, _)| op.name).collect();
    let table: Vec<&str> = ALL.iter().map(|op| op.name).collect();
    assert_eq!(names, table);
}

#[test]
fn example_requests_and_answers_round_trip_with_every_field() {
    let ops = yaml_ops();
    let mut counts = Counts::default();
    for (op, check) in checks() {
        let y = ops
            .iter()
            .find(|y| op.method.as_str() == y.method && op.template(Mode::Partner) == y.template)
            .expect("in yaml");
        check(y, &mut counts);
        counts.operations += 1;
    }
    println!(
        "conformance: {} operations, {} request fields, {} response fields; example requests \
         decoded with serde only (their examples break a documented limit): {:?}",
        counts.operations, counts.request_fields, counts.response_fields, counts.serde_only
    );
    assert_eq!(counts.operations, 35);
}

/// The example of a schema, built generically: objects with every property, arrays with one
/// element, scalars from `example`, else the first `enum` value, else a value of the type.
fn example(schema: &Value) -> Value {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let object: Map<String, Value> =
            props.iter().map(|(k, v)| (k.clone(), example(v))).collect();
        return Value::Object(object);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => json!([example(&schema["items"])]),
        Some("object") => json!({}),
        _ => scalar(schema),
    }
}

fn scalar(schema: &Value) -> Value {
    if let Some(e) = schema.get("example") {
        // The YAML writes some integer examples of string fields unquoted.
        return match (schema.get("type").and_then(Value::as_str), e) {
            (Some("string"), Value::Number(n)) => Value::String(n.to_string()),
            _ => e.clone(),
        };
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match (
        schema.get("type").and_then(Value::as_str),
        schema.get("format").and_then(Value::as_str),
    ) {
        (Some("integer" | "number"), _) => json!(1),
        (Some("boolean"), _) => json!(true),
        (_, Some("rfc3339")) => json!("2025-08-01T00:00:00+08:00"),
        _ => json!("example_1"),
    }
}

/// Times as WxTime writes them: `…T00:00+08:00` gains its seconds.
fn normalize(value: &Value) -> Value {
    match value {
        Value::String(s) => match s.parse::<WxTime>() {
            Ok(t) if s.contains('T') => Value::String(t.to_string()),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}

/// Every JSON path of `value` (array items as `[]`).
fn paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                paths(v, &p, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                paths(v, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// Asserts `again` carries every path and value of `original` (times normalized), and
/// returns the number of paths.
fn same_fields(what: &str, original: &Value, again: &Value) -> usize {
    let mut want = BTreeSet::new();
    let mut got = BTreeSet::new();
    paths(original, "", &mut want);
    paths(again, "", &mut got);
    let lost: Vec<_> = want.difference(&got).collect();
    let added: Vec<_> = got.difference(&want).collect();
    assert!(
        lost.is_empty() && added.is_empty(),
        "{what}: lost {lost:?}, added {added:?}"
    );
    assert_eq!(&normalize(original), again, "{what}: values differ");
    want.len()
}

fn param_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn round_trip<E: Decode>(y: &YamlOp, counts: &mut Counts) {
    let name = E::OPERATION.name;
    let params = y.spec["parameters"].as_array().cloned().unwrap_or_default();
    let mut path: Vec<(&'static str, String)> = Vec::new();
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    let mut body = None;
    for p in &params {
        let pname = p["name"].as_str().expect("name");
        match p["in"].as_str() {
            Some("path") => {
                let static_name = E::OPERATION
                    .path_params()
                    .find(|n| *n == pname)
                    .unwrap_or_else(|| panic!("{name}: path param {pname} not in template"));
                path.push((static_name, param_text(&scalar(p))));
            }
            Some("query") => {
                query.insert(pname.to_owned(), param_text(&scalar(p)));
            }
            Some("body") => body = Some(example(&p["schema"])),
            Some("formData") => {}
            other => panic!("{name}: parameter in {other:?}"),
        }
    }
    if E::OPERATION.body == BodyKind::Multipart {
        counts.request_fields += multipart_round_trip::<E>(y);
    } else {
        let body_value = body.clone().unwrap_or(Value::Null);
        let body_bytes = body.as_ref().map(|b| b.to_string()).unwrap_or_default();
        let raw_path: Vec<(&'static str, &str)> =
            path.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let query_text = query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let raw = RawRequest {
            path: &raw_path,
            query: (!query.is_empty()).then_some(query_text.as_str()),
            body: body_bytes.as_bytes(),
        };
        let request = match E::decode(&raw) {
            Ok(r) => r,
            Err(e) => {
                // The example values break a documented limit (e.g. both usage rules of
                // create at once): relax only the example, decoding with serde alone.
                counts.serde_only.push(name);
                println!("{name}: example request is invalid ({e}); decoded with serde");
                serde_only::<E>(&raw_path, &query, &body_value)
            }
        };
        for (k, v) in &path {
            assert_eq!(request.path_param(k), Some(v.as_str()), "{name}: path {k}");
        }
        let mut got: BTreeMap<String, String> = request
            .query()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_owned()))
            .collect();
        if E::OPERATION.method == Method::Get
            && let Some(b) = request.brand_id()
        {
            got.insert("brand_id".into(), b.to_owned());
        }
        assert_eq!(got, query, "{name}: query");
        counts.request_fields += path.len() + query.len();
        if let Some(body) = &body {
            let again = serde_json::to_value(&request).expect("serialize");
            counts.request_fields += same_fields(&format!("{name} request"), body, &again);
        }
    }
    let schema = &y.spec["responses"]["200"]["schema"];
    let answer = example(schema);
    let typed: E::Response = serde_json::from_value(answer.clone())
        .unwrap_or_else(|e| panic!("{name}: response does not parse: {e}"));
    let again = serde_json::to_value(&typed).expect("serialize");
    counts.response_fields += same_fields(&format!("{name} response"), &answer, &again);
}

fn serde_only<E: Decode>(
    path: &[(&'static str, &str)],
    query: &BTreeMap<String, String>,
    body: &Value,
) -> E {
    let mut request: E = if body.is_null() {
        E::empty()
    } else {
        serde_json::from_value(body.clone()).expect("example body parses with serde")
    };
    for (k, v) in path {
        assert!(request.set_path_param(k, (*v).to_owned()));
    }
    for (k, v) in query {
        if k == "brand_id" {
            request.set_brand_id(Some(v.clone()));
        } else {
            assert_eq!(request.set_query_param(k, v), Ok(true), "{k}");
        }
    }
    request
}

/// The upload: a hand-made body (file part first, as Tencent's Go sample writes it) decodes,
/// and the `meta` signed on the way out has every YAML meta field.
fn multipart_round_trip<E: Decode>(y: &YamlOp) -> usize {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01".to_vec();
    let meta = json!({"filename": "example.png", "sha256": media::sha256_hex(&png)});
    let mut body = Vec::new();
    body.extend_from_slice(b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"example.png\"\r\nContent-Type: image/png\r\n\r\n");
    body.extend_from_slice(&png);
    body.extend_from_slice(b"\r\n--b0undary\r\nContent-Disposition: form-data; name=\"meta\";\r\nContent-Type: application/json\r\n\r\n");
    body.extend_from_slice(meta.to_string().as_bytes());
    body.extend_from_slice(b"\r\n--b0undary--\r\n");
    let request = E::decode(&RawRequest {
        body: &body,
        ..Default::default()
    })
    .expect("multipart decodes");
    let wire = encode(
        &request,
        Target {
            mode: Mode::Partner,
            brand_id: None,
        },
    )
    .expect("encode");
    let signed: Value =
        serde_json::from_slice(&wire.signed_body.expect("meta signed")).expect("meta json");
    let meta_schema = y.spec["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "meta"))
        .map(|p| example(&p["schema"]))
        .expect("meta schema");
    let mut want = BTreeSet::new();
    let mut got = BTreeSet::new();
    paths(&meta_schema, "", &mut want);
    paths(&signed, "", &mut got);
    assert_eq!(want, got, "upload meta");
    assert_eq!(signed, meta);
    want.len() + 1
}

/// The Rust enum a YAML `enum:` list belongs to, by field name (and parent where a name is
/// shared); its wire names checked to be known.
fn known(field: &str, parent: &str, suffix: &str, value: &str) -> Option<bool> {
    fn k<E: WireEnum>(v: &str) -> bool {
        E::from(v).is_known()
    }
    Some(match field {
        "scope" => k::<ProductCouponScope>(value),
        "type" if parent == "sequential_usage_info" => k::<SequentialUsageType>(value),
        "type" => k::<ProductCouponType>(value),
        "usage_mode" => k::<UsageMode>(value),
        "state" if parent == "product_coupon" => k::<ProductCouponState>(value),
        "state" if parent == "stock" || parent == "stock_list" || suffix.contains("/stocks") => {
            k::<StockState>(value)
        }
        "state" => k::<ProductCouponState>(value),
        "coupon_code_mode" => k::<CouponCodeMode>(value),
        "store_scope" => k::<StockStoreScope>(value),
        "coupon_usage_method_list" => k::<CouponUsageMethod>(value),
        "app_jump_type" => k::<AppJumpType>(value),
        "code_display_mode" => k::<CouponCodeDisplayMode>(value),
        "background_color" => k::<BackgroundColor>(value),
        "day_list" => k::<Weekday>(value),
        "coupon_state" => k::<UserProductCouponState>(value),
        "detail_state" => k::<DetailState>(value),
        "send_channel" => k::<UserProductCouponSendChannel>(value),
        "coupon_tag_list" => k::<UserProductCouponTag>(value),
        "update_mode" => k::<UpdateMode>(value),
        "image_generation_type" => k::<ImageGenerationType>(value),
        "task_state" => k::<TaskState>(value),
        _ => return None,
    })
}

/// Every `enum:` list under `value`: (field, parent, values).
fn enums(value: &Value, field: &str, parent: &str, out: &mut Vec<(String, String, Vec<String>)>) {
    match value {
        Value::Object(map) => {
            if let Some(list) = map.get("enum").and_then(Value::as_array) {
                let name = map.get("name").and_then(Value::as_str).unwrap_or(field);
                let values = list.iter().map(param_text).collect();
                out.push((name.to_owned(), parent.to_owned(), values));
            }
            let props = map.get("properties").and_then(Value::as_object);
            for (k, v) in props.into_iter().flatten() {
                enums(v, k, field, out);
            }
            for (k, v) in map {
                if k != "properties" {
                    // `items` keeps the list's name; other keys pass through.
                    enums(v, field, parent, out);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                enums(v, field, parent, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_yaml_enum_value_is_known() {
    let mut checked = 0;
    let mut distinct = BTreeSet::new();
    for y in yaml_ops() {
        let mut found = Vec::new();
        enums(&y.spec, "", "", &mut found);
        for (field, parent, values) in found {
            for v in values {
                let ok = known(&field, &parent, &y.suffix, &v)
                    .unwrap_or_else(|| panic!("{}: enum field {field} has no Rust enum", y.suffix));
                assert!(
                    ok,
                    "{} {}: {field} value {v} is unknown",
                    y.method, y.suffix
                );
                checked += 1;
                distinct.insert((field.clone(), v));
            }
        }
    }
    println!(
        "conformance: {checked} enum values checked ({} distinct field/value pairs)",
        distinct.len()
    );
    assert!(distinct.len() > 60, "{}", distinct.len());
}

#[test]
fn operation_names_and_templates_match_both_modes() {
    let tsv = crate::data("operation-names.tsv");
    let mut seen = std::collections::HashMap::<Mode, usize>::new();
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [mode, method, path, name, kebab, ..] = cols[..] else {
            panic!("row {line:?}");
        };
        let mode: Mode = mode.parse().expect("mode");
        let op = operations::find(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(op.kebab, kebab, "{name}");
        assert_eq!(op.method.as_str(), method, "{name}");
        assert!(op.supports(mode), "{name} in {mode}");
        assert_eq!(op.template(mode), path, "{name} in {mode}");
        *seen.entry(mode).or_default() += 1;
    }
    for mode in Mode::ALL {
        let offered = ALL.iter().filter(|op| op.supports(mode)).count();
        assert_eq!(seen.get(&mode).copied(), Some(offered), "{mode}");
    }
    println!(
        "conformance: partner {} operations, brand {} operations match the TSV",
        seen[&Mode::Partner],
        seen[&Mode::Brand]
    );
    assert_eq!(seen[&Mode::Brand], 30);
    assert_eq!(seen[&Mode::Partner], 35);
}

/// The partner callbacks of webhooks/README.md (fields of the decrypted payload) keep every
/// field through [`CouponEvent`].
#[test]
fn callback_payloads_keep_every_documented_field() {
    let t = "2025-08-02T00:00:00+08:00";
    let sent = json!({
        "brand_id": "120344", "coupon_code": "C1", "product_coupon_id": "1000000013",
        "stock_id": "1000000013001", "stock_bundle_id": "B1", "user_coupon_bundle_id": "UB1",
        "appid": "wx233544546545989", "openid": "o1", "unionid": "u1", "receive_time": t,
        "send_request_no": "MCHSEND202003101234", "send_channel": "MEMBER",
        "valid_begin_time": t, "valid_end_time": t, "phone_number": "13800000000",
        "country_code": "86", "attach": "a", "channel_custom_info": "c"
    });
    let image = json!({
        "brand_id": "120344", "task_id": "t1", "image_generation_type": "COMBINE_IMAGE",
        "task_state": "SUCCESS", "combine_image_result": {"image_url": "https://x/a.png"},
        "cut_out_result": {"image_url": "https://x/b.png"}
    });
    for (event_type, payload) in [
        (notify::event_type::SP_SEND, &sent),
        (notify::event_type::SEND, &sent),
        (notify::event_type::SP_IMAGE_GENERATION, &image),
    ] {
        let event =
            CouponEvent::parse(event_type, payload.to_string().as_bytes()).expect(event_type);
        let again = match &event {
            CouponEvent::Sent(e) => serde_json::to_value(e),
            CouponEvent::ImageGenerated(e) => serde_json::to_value(e),
            other => panic!("{event_type}: {other:?}"),
        }
        .expect("serialize");
        same_fields(event_type, payload, &again);
    }
}
