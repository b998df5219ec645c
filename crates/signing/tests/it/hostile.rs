//! Hostile input at the crate's edges, one named case per row: header fields that would
//! break or extend the Authorization header, files that are no key files, an empty serial.

use proptest::prelude::*;
use wxpay_signing::{
    Authorization, KeyError, KeyStore, PrivateKey, ResponseHeaders, SignError, Signer, Verifier,
    VerifyError,
};

fn merchant_key() -> PrivateKey {
    PrivateKey::from_pem_file(crate::data_path("keys/merchant_key.pem")).expect("test key")
}

/// (name, mchid, serial_no, the field refused or `None` when the header is sound).
#[rustfmt::skip]
const FIELDS: &[(&str, &str, &str, Option<&str>)] = &[
    ("plain", "1900000001", "5157F09E", None),
    ("quote_and_comma_in_mchid", "1900000001\",x=\"y", "5157F09E", Some("mchid")),
    ("quote_in_serial_no", "1900000001", "5157\"F09E", Some("serial_no")),
    ("comma_in_serial_no", "1900000001", "5157,F09E", Some("serial_no")),
    ("newline_in_mchid", "1900000001\nX-Evil: 1", "5157F09E", Some("mchid")),
    ("crlf_in_serial_no", "1900000001", "5157\r\nX-Evil: 1", Some("serial_no")),
    ("space_in_serial_no", "1900000001", "5157 F09E", Some("serial_no")),
    ("nul_in_mchid", "19000\u{0}00001", "5157F09E", Some("mchid")),
    ("non_ascii_mchid", "商户1900000001", "5157F09E", Some("mchid")),
    ("empty_serial_no", "1900000001", "", Some("serial_no")),
    ("empty_mchid", "", "5157F09E", Some("mchid")),
];

#[test]
fn header_fields_that_would_break_the_header_are_refused() {
    let key = merchant_key();
    for &(name, mchid, serial, refused) in FIELDS {
        let signed =
            Signer::new(mchid, serial, key.clone()).authorization_at("GET", "/v3/x", b"", 1, "n");
        match (refused, signed) {
            (None, Ok(auth)) => {
                assert_eq!(Authorization::parse(&auth.to_string()), Ok(auth), "{name}")
            }
            (Some(field), Err(e @ SignError::Field { field: f, .. })) => {
                assert_eq!(f, field, "{name}");
                assert!(e.to_string().contains("printable ASCII"), "{name}: {e}");
            }
            (want, got) => panic!("{name}: want {want:?} refused, got {got:?}"),
        }
    }
    let brand = Signer::brand("120344\",x=\"y", "5157F09E", key);
    assert!(matches!(
        brand.authorization("GET", "/v3/x", b""),
        Err(SignError::Field {
            field: "brand_id",
            ..
        })
    ));
}

#[test]
fn files_that_are_no_key_files_fail_fast_and_say_why() {
    let dir = crate::data_path("keys");
    let mut cases: Vec<(&str, std::path::PathBuf, &str)> = vec![("directory", dir, "directory")];
    if std::path::Path::new("/dev/zero").exists() {
        cases.push((
            "dev_zero",
            "/dev/zero".into(),
            "larger than 64 KiB, the limit for a PEM key or certificate",
        ));
    }
    for (name, path, needle) in cases {
        let err = PrivateKey::from_pem_file(&path).expect_err(name);
        assert!(matches!(err, KeyError::Io { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains(needle), "{name}: {err}");
        let err = wxpay_signing::PublicKey::from_pem_file(&path).expect_err(name);
        assert!(err.to_string().contains(needle), "{name}: {err}");
    }
}

#[test]
fn an_empty_serial_names_no_key() {
    let key = merchant_key();
    // Even a store holding a key under "" (what `wxpay verify --serial ''` used to build).
    let verifier = Verifier::new(KeyStore::new().with_public_key("", key.public_key()));
    let headers = ResponseHeaders {
        timestamp: "1",
        nonce: "n",
        signature: "c2ln",
        serial: "",
        signature_type: None,
    };
    assert_eq!(
        verifier.verify(&headers, b"{}"),
        Err(VerifyError::MissingHeader("Wechatpay-Serial"))
    );
}

proptest! {
    /// Whatever the ids, the signer either refuses them or writes a header that reads back
    /// as exactly the fields it signed: no value can add, drop or change a field.
    #[test]
    fn the_header_reads_back_as_signed_or_is_refused(
        mchid in "[ -~\n\r\t\u{0}é]{0,24}",
        serial in "[ -~\n\r\t\u{0}é]{0,24}",
    ) {
        let signer = Signer::new(mchid.clone(), serial.clone(), merchant_key());
        match signer.authorization_at("GET", "/v3/x", b"", 1, "n") {
            Ok(auth) => {
                let back = Authorization::parse(&auth.to_string()).expect("parses");
                prop_assert_eq!(back.principal.id(), mchid.as_str());
                prop_assert_eq!(back.serial_no, serial);
            }
            Err(SignError::Field { .. }) => {
                prop_assert!(
                    !wxpay_signing::authorization::is_valid_value(&mchid)
                        || !wxpay_signing::authorization::is_valid_value(&serial)
                );
            }
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}
