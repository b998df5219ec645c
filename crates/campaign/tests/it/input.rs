//! The campaign reader against hostile and careless input: one named case per row with the
//! rows it yields or the problem it must report, and the property that every CSV it accepts
//! yields exactly one row per non-blank physical data line.

use proptest::prelude::*;
use wxpay_campaign::input::{self, MAX_LINE_BYTES};
use wxpay_campaign::{Defaults, InputError, Row};
use wxpay_mock::fixtures::dev;

fn defaults() -> Defaults {
    crate::engine::defaults(dev::STOCK_LOAD_TEST)
}

fn parse(csv: &[u8]) -> Result<Vec<Row>, InputError> {
    input::parse(csv, &defaults(), None, "CINPUT")
}

/// What a case must give.
enum Want {
    /// Accepted: the physical line of each row.
    Lines(&'static [u64]),
    /// Refused: the one problem (text it contains).
    Problem(&'static str),
}

fn cases() -> Vec<(&'static str, Vec<u8>, Want)> {
    use Want::*;
    let long = format!("openid\n{}\n", "o".repeat(MAX_LINE_BYTES + 1));
    vec![
        (
            "unterminated_quote",
            b"openid,attach\no1,\"unterminated\no2,a\no3,b\no4,c\n".to_vec(),
            Problem("line 2: a quote opened on this line is still open at its end"),
        ),
        (
            "unterminated_quote_last_line",
            b"openid,attach\no1,a\no2,\"b".to_vec(),
            Problem("line 3: a quote opened on this line is still open"),
        ),
        (
            "escaped_quote_left_open",
            b"openid,attach\no1,\"a\"\"\no2,b\n".to_vec(),
            Problem("line 2: a quote opened on this line is still open"),
        ),
        (
            "quote_open_in_crlf_file",
            b"openid,attach\r\no1,a\r\no2,\"b\r\no3,c\r\n".to_vec(),
            Problem("line 3: a quote opened on this line is still open"),
        ),
        (
            "crlf_duplicate",
            b"openid\r\no1\r\no2\r\no3\r\no1\r\n".to_vec(),
            Problem("line 5: openid o1 for stock 1000000013005 duplicates line 2"),
        ),
        (
            "blank_lines_duplicate",
            b"openid\n\no1\n\n \t\no1\n".to_vec(),
            Problem("line 6: openid o1 for stock 1000000013005 duplicates line 3"),
        ),
        (
            "crlf_and_blank_lines",
            b"openid\r\n\r\no1\r\n\r\no2\n\no3".to_vec(),
            Lines(&[3, 5, 7]),
        ),
        (
            "lone_cr_in_openid",
            b"openid\no1\ro9\n".to_vec(),
            Problem("line 2: openid must not contain spaces or control characters"),
        ),
        (
            "mixed_line_ends",
            b"openid\r\no1\n\r\no2\r\n\no3".to_vec(),
            Lines(&[2, 4, 6]),
        ),
        (
            "utf8_bom_header",
            b"\xEF\xBB\xBFopenid,attach\no1,a\n".to_vec(),
            Lines(&[2]),
        ),
        (
            "blank_lines_before_header",
            b"\n\nopenid\no1\n".to_vec(),
            Lines(&[4]),
        ),
        (
            "quoted_fields_with_commas_and_quotes",
            b"openid,attach\n\"o1\",\"a \"\"quoted\"\", comma\"\n".to_vec(),
            Lines(&[2]),
        ),
        (
            "line_too_long",
            long.into_bytes(),
            Problem("line 2 is longer than 4 KiB, the limit for a line of a campaign CSV"),
        ),
        (
            "nul_bytes_without_line_end",
            vec![0; 3 * MAX_LINE_BYTES],
            Problem("line 1 is longer than 4 KiB"),
        ),
        (
            "not_utf8",
            b"openid,attach\no1,\xff\xfe\n".to_vec(),
            Problem("line 2: column 2 is not UTF-8 text"),
        ),
        (
            "too_few_fields",
            b"openid,attach\no1\n".to_vec(),
            Problem("line 2: malformed CSV: 1 field(s), but the header (line 1) has 2"),
        ),
        (
            "control_character_in_attach",
            b"openid,attach\no1,a\x1b[31mb\n".to_vec(),
            Problem("line 2: attach may only contain printable text"),
        ),
        (
            "lone_cr_inside_a_line",
            b"openid,attach\no1,a\rb\n".to_vec(),
            Problem("line 2: attach may only contain printable text"),
        ),
        ("empty_input", Vec::new(), Problem("the input is empty")),
        (
            "blank_input",
            b"\n \n\r\n".to_vec(),
            Problem("the input is empty"),
        ),
        (
            "header_only",
            b"openid\r\n\r\n".to_vec(),
            Problem("the input has no data rows"),
        ),
    ]
}

#[test]
fn each_hostile_input_gets_its_rows_or_its_problem() {
    let mut failures = Vec::new();
    for (name, csv, want) in cases() {
        match (parse(&csv), want) {
            (Ok(rows), Want::Lines(lines)) => {
                let got: Vec<u64> = rows.iter().map(|r| r.line).collect();
                if got != lines {
                    failures.push(format!("{name}: lines {got:?}, want {lines:?}"));
                }
            }
            (Err(e), Want::Problem(needle)) => {
                let text = e.to_string();
                if !text.contains(needle) || e.total != 1 {
                    failures.push(format!(
                        "{name}: want one problem with {needle:?}, got {text}"
                    ));
                }
            }
            (got, _) => failures.push(format!("{name}: unexpected {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn quoted_fields_are_unquoted_and_trimmed() {
    // Spaces after a closing quote are trimmed; before an opening one they make the quote
    // data (RFC 4180).
    let rows = parse(b"openid,attach\n\"o1\" ,\"a \"\"quoted\"\", comma\" \n").unwrap();
    assert_eq!(rows[0].openid, "o1");
    assert_eq!(rows[0].attach.as_deref(), Some("a \"quoted\", comma"));
}

#[test]
fn many_problems_are_counted_and_the_first_thousand_shown() {
    let csv: String = std::iter::once("openid,attach\n".to_owned())
        .chain((0..1500).map(|i| format!("o{i},a\u{1}b\n")))
        .collect();
    let err = parse(csv.as_bytes()).unwrap_err();
    assert_eq!((err.problems.len(), err.total), (1000, 1500));
    let text = err.to_string();
    assert!(
        text.starts_with("1500 problem(s) in the input:\nline 2: attach"),
        "{text}"
    );
    assert!(text.ends_with("line 1001: attach may only contain printable text (no control characters such as NUL, ESC or line breaks)\n… and 500 more"), "{text}");
}

#[test]
fn devices_directories_and_endless_lines_fail_fast() {
    let read = |path: &str| {
        input::read(path.as_ref(), &defaults(), None, "CINPUT")
            .unwrap_err()
            .to_string()
    };
    let dir = wxpay_testkit::temp_dir();
    let mut paths = vec![dir.path().to_str().unwrap().to_owned()];
    if std::path::Path::new("/dev/zero").exists() {
        paths.push("/dev/zero".into());
    }
    for path in paths {
        let err = read(&path);
        assert!(
            err.contains(&format!("cannot read {path}: not a regular file")),
            "{err}"
        );
        let err = wxpay_campaign::journal::sha256_file(path.as_ref()).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
    // A regular file of one endless line stops at the line bound.
    let one_line = dir.path().join("one-line.csv");
    std::fs::write(&one_line, vec![b'o'; 1 << 20]).unwrap();
    let err = read(one_line.to_str().unwrap());
    assert!(err.contains("line 1 is longer than 4 KiB"), "{err}");
}

/// One generated line of a CSV: blank, or a row whose fields are written plainly, quoted,
/// or broken (a quote left open, a stray quote).
#[derive(Debug, Clone)]
enum Line {
    Blank(String),
    Row { openid: Field, attach: Field },
}

#[derive(Debug, Clone)]
enum Field {
    Plain(String),
    Quoted(String),
    OpenQuote(String),
    StrayQuote(String),
}

impl Field {
    fn write(&self) -> String {
        match self {
            Field::Plain(v) => v.clone(),
            Field::Quoted(v) => format!("\"{}\"", v.replace('"', "\"\"")),
            Field::OpenQuote(v) => format!("\"{v}"),
            Field::StrayQuote(v) => format!("{v}\"x"),
        }
    }

    fn is_broken(&self) -> bool {
        matches!(self, Field::OpenQuote(_) | Field::StrayQuote(_))
    }
}

/// A field: `plain` text written as it is, `quoted` text (which may hold commas and quotes)
/// in quotes, or either left broken.
fn field(plain: &'static str, quoted: &'static str) -> impl Strategy<Value = Field> {
    prop_oneof![
        6 => plain.prop_map(Field::Plain),
        3 => quoted.prop_map(Field::Quoted),
        1 => quoted.prop_map(Field::OpenQuote),
        1 => plain.prop_map(Field::StrayQuote),
    ]
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        1 => "[ \t]{0,2}".prop_map(Line::Blank),
        5 => (field("[a-z0-9_-]{1,10}", "[a-z0-9_-]{1,10}"), field("[a-z ]{0,12}", "[a-z ,\"]{0,12}"))
            .prop_map(|(openid, attach)| Line::Row { openid, attach }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every CSV the reader accepts yields exactly one row per non-blank physical data line,
    /// numbered by its physical line, whatever the line ends; a CSV without broken quoting is
    /// accepted with exactly the values written.
    #[test]
    fn one_row_per_non_blank_physical_line(
        lines in prop::collection::vec(line(), 1..30),
        crlf in prop::collection::vec(any::<bool>(), 30),
        final_line_end in any::<bool>(),
    ) {
        let mut csv = String::from("openid,attach");
        csv.push_str(if crlf[0] { "\r\n" } else { "\n" });
        let mut data_lines = Vec::new();
        let mut written = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let physical = i as u64 + 2;
            match l {
                Line::Blank(spaces) => csv.push_str(spaces),
                Line::Row { openid, attach } => {
                    // Unique openids: a repeated one is a duplicate, not what this tests.
                    let openid = match openid {
                        Field::Plain(v) => Field::Plain(format!("{v}-{i}")),
                        Field::Quoted(v) => Field::Quoted(format!("{v}-{i}")),
                        broken => broken.clone(),
                    };
                    csv.push_str(&format!("{},{}", openid.write(), attach.write()));
                    data_lines.push(physical);
                    written.push((openid, attach.clone()));
                }
            }
            if i + 1 < lines.len() || final_line_end {
                csv.push_str(if crlf[i % 30] { "\r\n" } else { "\n" });
            }
        }
        let broken = written.iter().any(|(o, a)| o.is_broken() || a.is_broken());
        match parse(csv.as_bytes()) {
            Ok(rows) => {
                prop_assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), data_lines);
                prop_assert!(rows.iter().enumerate().all(|(i, r)| r.row == i as u64 + 1));
                if !broken {
                    for (row, (openid, attach)) in rows.iter().zip(&written) {
                        let value = |f: &Field| match f {
                            Field::Plain(v) | Field::Quoted(v) => v.trim().to_owned(),
                            _ => unreachable!(),
                        };
                        prop_assert_eq!(&row.openid, &value(openid));
                        let attach = value(attach);
                        prop_assert_eq!(row.attach.clone(), (!attach.is_empty()).then_some(attach));
                    }
                }
            }
            Err(e) => {
                prop_assert!(
                    broken || data_lines.is_empty(),
                    "a well-formed CSV was refused: {e}\n{csv:?}"
                );
            }
        }
    }
}
