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
        let mut request = SendUserProductCouponRequest::new(
            &self.openid,
            &self.product_coupon_id,
            &self.stock_id,
            &self.appid,
            &self.send_request_no,
        )
        .with_brand_id(&self.brand_id);
        request.coupon_code.clone_from(&self.coupon_code);
        request.attach.clone_from(&self.attach);
        request.coupon_tag_info = self.member_card_id.clone().map(CouponTagInfo::member);
        request
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

/// The longest line of an input, without its line end. A row is far shorter: an openid,
/// a few ids, a code, an attach of at most 150 characters.
pub const MAX_LINE_BYTES: usize = 4096;

/// The largest input: about ten million rows.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Problems kept for the message; the rest are counted.
const MAX_PROBLEMS: usize = 1000;

/// What the size messages call the input.
const WHAT: &str = "a campaign CSV";

/// Everything wrong with an input, line by line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{total} problem(s) in the input:\n{}{}",
    problems.join("\n"),
    if *total > problems.len() as u64 {
        format!("\n… and {} more", *total - problems.len() as u64)
    } else {
        String::new()
    }
)]
pub struct InputError {
    /// `line N: …` messages, in line order (the first 1000).
    pub problems: Vec<String>,
    /// How many problems there are in all.
    pub total: u64,
}

impl InputError {
    fn one(problem: String) -> Self {
        Self {
            problems: vec![problem],
            total: 1,
        }
    }
}

/// Reads and checks `path`, a regular file. `campaign_id` makes the request numbers (and
/// generated codes). The file is read as a stream: lines of at most [`MAX_LINE_BYTES`],
/// [`MAX_INPUT_BYTES`] in all.
pub fn read(
    path: &Path,
    defaults: &Defaults,
    generate_codes: Option<&str>,
    campaign_id: &str,
) -> Result<Vec<Row>, InputError> {
    let cannot =
        |e: &dyn std::fmt::Display| InputError::one(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| cannot(&e))?;
    check_input_file(&file).map_err(|e| cannot(&e))?;
    parse(file, defaults, generate_codes, campaign_id)
}

/// An input is a regular file (it is read twice: checked, then hashed to recognise it on a
/// resume) of at most [`MAX_INPUT_BYTES`].
pub(crate) fn check_input_file(file: &std::fs::File) -> std::io::Result<()> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            if meta.is_dir() {
                "not a regular file but a directory"
            } else {
                "not a regular file (a campaign's input is read twice: checked, then hashed to recognise it on a resume)"
            },
        ));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(wxpay_signing::file::too_large(MAX_INPUT_BYTES, WHAT));
    }
    Ok(())
}

/// Parses and checks CSV from any reader, line by line: no column of a campaign holds a line
/// break, so every non-blank physical line after the header is one row, whatever the line
/// ends (`\n` or `\r\n`), and a quote still open at the end of a line is an error on that
/// line. Blank lines are skipped; line numbers in messages are physical lines.
///
/// ```
/// use wxpay_campaign::input::{Defaults, parse};
/// let defaults = Defaults {
///     stock_id: Some("1000000013002".into()),
///     product_coupon_id: Some("1000000013".into()),
///     appid: Some("wx233544546545989".into()),
///     brand_id: Some("120344".into()),
///     attach: None,
/// };
/// let rows = parse("openid\r\no1\r\n\r\no2\r\n".as_bytes(), &defaults, None, "C1")?;
/// assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
/// let err = parse("openid,attach\no1,\"unterminated\no2,x\n".as_bytes(), &defaults, None, "C1").unwrap_err();
/// assert!(err.problems[0].starts_with("line 2: a quote opened on this line is still open at its end"));
/// # Ok::<(), wxpay_campaign::InputError>(())
/// ```
pub fn parse(
    input: impl std::io::Read,
    defaults: &Defaults,
    generate_codes: Option<&str>,
    campaign_id: &str,
) -> Result<Vec<Row>, InputError> {
    let mut problems = Problems::default();
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
    let mut lines = crate::lines::Lines::new(input, MAX_LINE_BYTES, MAX_INPUT_BYTES, WHAT);
    let mut splitter = crate::lines::Splitter::default();
    let mut buf = Vec::new();
    // The header: the first non-blank line.
    let (header_line, headers) = loop {
        match lines.next_line(&mut buf) {
            Err(e) => return Err(problems.fatal(format!("cannot read the input: {e}"))),
            Ok(None) => {
                problems.push(
                    "the input is empty: the first row must name the columns (openid, …)".into(),
                );
                return Err(problems.into_error());
            }
            Ok(Some((n, line))) => {
                // A UTF-8 byte order mark, as spreadsheets write it.
                let line = if n == 1 {
                    line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
                } else {
                    line
                };
                if is_blank(line) {
                    continue;
                }
                match splitter.split(line) {
                    Ok(fields) => {
                        break (
                            n,
                            fields.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>(),
                        );
                    }
                    Err(why) => {
                        problems.push(format!("line {n}: cannot read the header row: {why}"));
                        return Err(problems.into_error());
                    }
                }
            }
        }
    };
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, name) in headers.iter().enumerate() {
        match COLUMNS.iter().find(|c| **c == name) {
            None => problems.push(format!(
                "line {header_line}: unknown column {name:?}; columns are {}",
                COLUMNS.join(", ")
            )),
            Some(column) => {
                if index.insert(column, i).is_some() {
                    problems.push(format!("line {header_line}: column {name:?} appears twice"));
                }
            }
        }
    }
    if !index.contains_key("openid") {
        problems.push(format!(
            "line {header_line}: the header row has no openid column (the first row must name the columns)"
        ));
        return Err(problems.into_error());
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    loop {
        let (line, text) = match lines.next_line(&mut buf) {
            Ok(Some(next)) => next,
            Ok(None) => break,
            Err(e) => return Err(problems.fatal(format!("cannot read the input: {e}"))),
        };
        if is_blank(text) {
            continue;
        }
        let row = rows.len() as u64 + 1;
        let record = match splitter.split(text) {
            Ok(fields) if fields.len() == headers.len() => fields,
            Ok(fields) => {
                problems.push(format!(
                    "line {line}: malformed CSV: {} field(s), but the header (line {header_line}) has {}",
                    fields.len(),
                    headers.len()
                ));
                continue;
            }
            Err(why) => {
                problems.push(format!("line {line}: {why}"));
                continue;
            }
        };
        let get = |name: &str| {
            index
                .get(name)
                .and_then(|&i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(|v| (*v).to_owned())
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
    if rows.is_empty() && problems.total == 0 {
        problems.push("the input has no data rows".into());
    }
    if problems.total == 0 {
        Ok(rows)
    } else {
        Err(problems.into_error())
    }
}

/// Whether a line holds nothing but spaces and tabs.
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Problems in line order, the first [`MAX_PROBLEMS`] kept.
#[derive(Default)]
struct Problems {
    kept: Vec<String>,
    total: u64,
}

impl Problems {
    fn push(&mut self, problem: String) {
        self.total += 1;
        if self.kept.len() < MAX_PROBLEMS {
            self.kept.push(problem);
        }
    }

    /// A problem that stops the reading: it is always shown.
    fn fatal(mut self, problem: String) -> InputError {
        self.kept.truncate(MAX_PROBLEMS - 1);
        self.push(problem);
        self.into_error()
    }

    fn into_error(self) -> InputError {
        InputError {
            problems: self.kept,
            total: self.total,
        }
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
