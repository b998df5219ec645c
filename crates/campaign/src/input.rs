//! The campaign's input: a CSV with a header row, one user per row. Every row is checked
//! before anything is sent; every problem is reported with its line.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use wxpay_models::{CouponTagInfo, SendUserProductCouponRequest};

/// Columns a CSV may have; `openid` is required, the others override the defaults per row.
pub const COLUMNS: [&str; 8] = [
    "openid",
    "stock_id",
    "product_coupon_id",
    "appid",
    "brand_id",
    "attach",
    "member_card_id",
    "coupon_code",
];

/// Campaign-wide values for rows that leave a column empty (the `--stock-id`… flags).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Defaults {
    /// Stock.
    pub stock_id: Option<String>,
    /// Product coupon of the stock.
    pub product_coupon_id: Option<String>,
    /// AppID of the openids.
    pub appid: Option<String>,
    /// Brand.
    pub brand_id: Option<String>,
    /// Attach text.
    pub attach: Option<String>,
}

/// One user to issue a coupon to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based position among the data rows; with the campaign id it makes the request number.
    pub row: u64,
    /// Line in the input file (for messages).
    pub line: u64,
    /// The user.
    pub openid: String,
    /// Stock.
    pub stock_id: String,
    /// Product coupon.
    pub product_coupon_id: String,
    /// AppID.
    pub appid: String,
    /// Brand.
    pub brand_id: String,
    /// Attach text.
    pub attach: Option<String>,
    /// Member card (tags the coupon MEMBER).
    pub member_card_id: Option<String>,
    /// Code (API_ASSIGN stocks).
    pub coupon_code: Option<String>,
    /// `{campaign_id}-{row:08}`: the same on every retry and every resume.
    pub send_request_no: String,
}

impl Row {
    /// The send request for this row.
    pub fn request(&self) -> SendUserProductCouponRequest {
        SendUserProductCouponRequest {
            openid: self.openid.clone(),
            coupon_code: self.coupon_code.clone(),
            product_coupon_id: self.product_coupon_id.clone(),
            appid: self.appid.clone(),
            attach: self.attach.clone(),
            coupon_tag_info: self.member_card_id.clone().map(CouponTagInfo::member),
            stock_id: self.stock_id.clone(),
            send_request_no: self.send_request_no.clone(),
            brand_id: Some(self.brand_id.clone()),
        }
    }
}

/// The request number of row `row`: deterministic, so that no retry or resume can issue twice.
pub fn send_request_no(campaign_id: &str, row: u64) -> String {
    format!("{campaign_id}-{row:08}")
}

/// A generated coupon code: `PREFIX` + campaign id + row, deterministic like the request number.
pub fn generated_code(prefix: &str, campaign_id: &str, row: u64) -> String {
    format!("{prefix}{campaign_id}{row:08}")
}

/// Longest `--generate-codes` prefix (codes are at most 40 characters).
pub fn max_prefix_len(campaign_id: &str) -> usize {
    40usize.saturating_sub(campaign_id.len() + 8)
}

/// Everything wrong with an input, line by line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the input:\n{}", problems.len(), problems.join("\n"))]
pub struct InputError {
    /// `line N: …` messages, in line order.
    pub problems: Vec<String>,
}

/// Reads and checks `path`. `campaign_id` makes the request numbers (and generated codes).
pub fn read(
    path: &Path,
    defaults: &Defaults,
    generate_codes: Option<&str>,
    campaign_id: &str,
) -> Result<Vec<Row>, InputError> {
    let one = |p: String| InputError { problems: vec![p] };
    let file = std::fs::File::open(path)
        .map_err(|e| one(format!("cannot read {}: {e}", path.display())))?;
    parse(file, defaults, generate_codes, campaign_id)
}

/// Parses and checks CSV from any reader.
pub fn parse(
    input: impl std::io::Read,
    defaults: &Defaults,
    generate_codes: Option<&str>,
    campaign_id: &str,
) -> Result<Vec<Row>, InputError> {
    let mut problems = Vec::new();
    if let Some(prefix) = generate_codes
        && (prefix.len() > max_prefix_len(campaign_id)
            || !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        problems.push(format!(
            "--generate-codes {prefix:?}: the prefix must be at most {} of [0-9A-Za-z_-] (codes are prefix + campaign id + 8 digits, at most 40)",
            max_prefix_len(campaign_id)
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(InputError {
                problems: vec![format!("line 1: cannot read the header row: {e}")],
            });
        }
    };
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, name) in headers.iter().enumerate() {
        match COLUMNS.iter().find(|c| **c == name) {
            None => problems.push(format!(
                "line 1: unknown column {name:?}; columns are {}",
                COLUMNS.join(", ")
            )),
            Some(column) => {
                if index.insert(column, i).is_some() {
                    problems.push(format!("line 1: column {name:?} appears twice"));
                }
            }
        }
    }
    if !index.contains_key("openid") {
        problems.push(
            "line 1: the header row has no openid column (the first row must name the columns)"
                .into(),
        );
        return Err(InputError { problems });
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for (n, record) in reader.records().enumerate() {
        let row = n as u64 + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(row + 1, |p| p.line());
                problems.push(format!("line {line}: malformed CSV: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(row + 1, |p| p.line());
        let get = |name: &str| {
            index
                .get(name)
                .and_then(|&i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut missing = Vec::new();
        let mut need = |name: &'static str, default: &Option<String>| {
            get(name).or_else(|| default.clone()).unwrap_or_else(|| {
                missing.push(name);
                String::new()
            })
        };
        let openid = need("openid", &None);
        let stock_id = need("stock_id", &defaults.stock_id);
        let product_coupon_id = need("product_coupon_id", &defaults.product_coupon_id);
        let appid = need("appid", &defaults.appid);
        let brand_id = need("brand_id", &defaults.brand_id);
        for name in &missing {
            let flag = name.replace('_', "-");
            problems.push(if *name == "openid" {
                format!("line {line}: openid is empty")
            } else {
                format!("line {line}: {name} is empty and there is no --{flag} default")
            });
        }
        let coupon_code = get("coupon_code")
            .or_else(|| generate_codes.map(|p| generated_code(p, campaign_id, row)));
        let r = Row {
            row,
            line,
            openid,
            stock_id,
            product_coupon_id,
            appid,
            brand_id,
            attach: get("attach").or_else(|| defaults.attach.clone()),
            member_card_id: get("member_card_id"),
            coupon_code,
            send_request_no: send_request_no(campaign_id, row),
        };
        if missing.is_empty()
            && let Err(e) = r.request().validate()
        {
            for fe in e.errors() {
                problems.push(format!("line {line}: {fe}"));
            }
        }
        if !r.openid.is_empty()
            && !r.stock_id.is_empty()
            && let Some(first) = seen.insert((r.openid.clone(), r.stock_id.clone()), line)
        {
            problems.push(format!(
                "line {line}: openid {} for stock {} duplicates line {first}",
                r.openid, r.stock_id
            ));
        }
        rows.push(r);
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push("the input has no data rows".into());
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(InputError { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            stock_id: Some("1000000013002".into()),
            product_coupon_id: Some("1000000013".into()),
            appid: Some("wx233544546545989".into()),
            brand_id: Some("120344".into()),
            attach: None,
        }
    }

    #[test]
    fn columns_override_defaults_and_numbers_are_deterministic() {
        let csv = "openid,stock_id,member_card_id,attach\no1,,card1,\no2,999,,hello\n";
        let rows = parse(csv.as_bytes(), &defaults(), None, "CAMP1").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].stock_id, "1000000013002");
        assert_eq!(rows[0].send_request_no, "CAMP1-00000001");
        assert!(rows[0].request().coupon_tag_info.unwrap().is_member());
        assert_eq!(
            (
                rows[1].stock_id.as_str(),
                rows[1].attach.as_deref(),
                rows[1].line
            ),
            ("999", Some("hello"), 3)
        );
        let again = parse(csv.as_bytes(), &defaults(), None, "CAMP1").unwrap();
        assert_eq!(again, rows);
    }

    #[test]
    fn generated_codes_are_deterministic_and_short_enough() {
        let rows = parse(
            "openid\no1\no2\n".as_bytes(),
            &defaults(),
            Some("GC"),
            "CAMPAIGN0001",
        )
        .unwrap();
        assert_eq!(
            rows[1].coupon_code.as_deref(),
            Some("GCCAMPAIGN000100000002")
        );
        let err = parse(
            "openid\no1\n".as_bytes(),
            &defaults(),
            Some(&"P".repeat(30)),
            "CAMPAIGN0001",
        )
        .unwrap_err();
        assert!(err.problems[0].contains("--generate-codes"), "{err}");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let csv = "openid,appid,colour\no1,,red\n,wx1,blue\no1,wx1,green\no3,wx1\n";
        let d = Defaults {
            appid: None,
            ..defaults()
        };
        let err = parse(csv.as_bytes(), &d, None, "C1").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 1: unknown column \"colour\""), "{text}");
        assert!(
            text.contains("line 2: appid is empty and there is no --appid default"),
            "{text}"
        );
        assert!(text.contains("line 3: openid is empty"), "{text}");
        assert!(
            text.contains("line 4: openid o1 for stock 1000000013002 duplicates line"),
            "{text}"
        );
        assert!(text.contains("line 5: malformed CSV"), "{text}");
    }

    #[test]
    fn field_rules_are_checked_per_row() {
        let csv = format!(
            "openid,attach,coupon_code\no1,{},\no2,,bad code!\n",
            "x".repeat(151)
        );
        let err = parse(csv.as_bytes(), &defaults(), None, "C1").unwrap_err();
        assert!(
            err.problems
                .iter()
                .any(|p| p.starts_with("line 2: attach must be at most 150")),
            "{err}"
        );
        assert!(
            err.problems
                .iter()
                .any(|p| p.starts_with("line 3: coupon_code may only contain")),
            "{err}"
        );
    }

    #[test]
    fn a_missing_openid_column_or_empty_input_is_refused() {
        assert!(
            parse("stock_id\n1\n".as_bytes(), &defaults(), None, "C1")
                .unwrap_err()
                .to_string()
                .contains("no openid column")
        );
        assert!(
            parse("openid\n".as_bytes(), &defaults(), None, "C1")
                .unwrap_err()
                .to_string()
                .contains("no data rows")
        );
    }
}
