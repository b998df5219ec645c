//! `Authorization::parse` on arbitrary text, in both schemes.
//!
//! Asserts, beyond "no panic":
//! - a header that parses has every field non-empty, Unix-seconds digits as its timestamp, a
//!   valid nonce, no field holding a comma, and the scheme it started with;
//! - it prints (`Display`) to a header that parses to the same value, and that printed form
//!   is stable (printing the reparsed value gives the same text);
//! - a `Malformed` error quotes at most 64 characters;
//! - (input kind 3) a header printed from five valid field values, as a signer writes it,
//!   always parses back to exactly those values.
//!
//! The first byte picks the input kind: 0 the text as it is, 1 and 2 the text after the
//! merchant or the brand scheme, 3 five fields (split at `\n`) printed as a header.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wxpay_signing::authorization::{BRAND_SCHEME, SCHEME, is_valid_value};
use wxpay_signing::{Authorization, AuthorizationError, Principal};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match kind % 4 {
        0 => check(&text),
        1 => check(&format!("{SCHEME} {text}")),
        2 => check(&format!("{BRAND_SCHEME} {text}")),
        _ => printed(kind & 0x80 != 0, &text),
    }
});

fn check(header: &str) {
    match Authorization::parse(header) {
        Ok(auth) => {
            let scheme = auth.principal.scheme();
            assert!(
                header.trim_start().starts_with(scheme),
                "{header:?} parsed as {scheme}"
            );
            for value in [
                auth.principal.id(),
                &auth.nonce_str,
                &auth.signature,
                &auth.timestamp,
                &auth.serial_no,
            ] {
                assert!(
                    !value.is_empty() && !value.contains(','),
                    "{value:?} from {header:?}"
                );
            }
            assert!(auth.timestamp_secs().is_some(), "{:?}", auth.timestamp);
            assert!(is_valid_value(&auth.nonce_str), "{:?}", auth.nonce_str);
            let printed = auth.to_string();
            let again = Authorization::parse(&printed).unwrap_or_else(|e| {
                panic!("{header:?} parsed, its print {printed:?} does not: {e}")
            });
            assert_eq!(again, auth, "{header:?} → {printed:?}");
            assert_eq!(again.to_string(), printed);
        }
        Err(AuthorizationError::Malformed { part }) => assert!(part.chars().count() <= 64),
        Err(_) => {}
    }
}

/// Five field values printed as a header: valid values always read back as they were.
fn printed(brand: bool, text: &str) {
    let mut fields = text.splitn(5, '\n').map(str::to_owned);
    let mut next = || fields.next().unwrap_or_default();
    let id = next();
    let auth = Authorization {
        principal: if brand {
            Principal::Brand(id)
        } else {
            Principal::Merchant(id)
        },
        nonce_str: next(),
        signature: next(),
        timestamp: next(),
        serial_no: next(),
    };
    let header = auth.to_string();
    let valid = [
        auth.principal.id(),
        &auth.nonce_str,
        &auth.signature,
        &auth.serial_no,
    ]
    .into_iter()
    .all(is_valid_value)
        && (1..=12).contains(&auth.timestamp.len())
        && auth.timestamp.bytes().all(|b| b.is_ascii_digit());
    if valid {
        assert_eq!(
            Authorization::parse(&header).as_ref(),
            Ok(&auth),
            "{header:?}"
        );
    }
    check(&header);
}
