//! Strict percent-decoding of path and query parameters as a server receives them. A lax
//! decoder keeps `%`, `%zz` or `%2` as they are, so that `/users/%/` and `/users/%25/` name
//! the same user; here every `%` must start an escape of two hex digits, and the result must
//! be UTF-8 (docs/emulator.md, step 4).

use crate::validate::Rule;

/// Decodes one parameter; with `plus_is_space` (the query) a `+` is a space, while in a path
/// segment it is a plus sign. The error is the rule the raw text breaks.
pub(crate) fn decode(raw: &str, plus_is_space: bool) -> Result<String, Rule> {
    let bytes = raw.as_bytes();
    // The two digits of an escape are never '%', so checking what follows every '%' is enough.
    let escapes_ok = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !escapes_ok {
        return Err(Rule::Mode(
            "has an invalid percent-escape: every '%' must start %XX with two hex digits (a '%' itself is %25)"
                .into(),
        ));
    }
    let spaced;
    let raw = if plus_is_space && raw.contains('+') {
        spaced = raw.replace('+', "%20");
        spaced.as_str()
    } else {
        raw
    };
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| Rule::Charset("percent-encoded UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_must_be_complete_and_utf8() {
        assert_eq!(decode("o%2Bx", false).as_deref(), Ok("o+x"));
        assert_eq!(decode("a+b", false).as_deref(), Ok("a+b"));
        assert_eq!(decode("a+b", true).as_deref(), Ok("a b"));
        assert_eq!(decode("%25", false).as_deref(), Ok("%"));
        assert_eq!(decode("%E5%95%86", false).as_deref(), Ok("商"));
        for bad in ["%", "%zz", "%2", "a%", "%%41", "%2g", "%+1"] {
            assert!(
                matches!(decode(bad, true), Err(Rule::Mode(_))),
                "{bad:?} must be refused"
            );
        }
        assert_eq!(
            decode("%ff", false),
            Err(Rule::Charset("percent-encoded UTF-8"))
        );
    }
}
