//! The image upload's multipart parsing (`UploadImageRequest::decode` and `signed_meta`, what
//! the emulator runs on an E33 body) on arbitrary bytes and on bodies built around an
//! arbitrary boundary.
//!
//! Asserts, beyond "no panic":
//! - `signed_meta` returns bytes of the body, and when the body decodes it returns the very
//!   `meta` part that was decoded (the signature covers what the server reads);
//! - a decoded upload validates, encodes, and its encoding decodes back to it, with
//!   `signed_meta` of the encoding equal to the `meta` that is signed;
//! - (built bodies) a well-formed body with any boundary that does not occur in its parts
//!   decodes to exactly its filename and file when those are valid, whatever the order of
//!   the parts or an extra part; a wrong `meta.sha256` is refused by that name.
//!
//! The first byte picks raw bytes (even) or a built body (odd; its bits pick the part
//! order, a wrong hash, an extra part, a PNG or JPEG header on the file); a built body reads
//! a length-prefixed boundary and file name, then the file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wxpay_models::media::{ImageMeta, MAX_IMAGE_BYTES, UploadImageRequest, sha256_hex};
use wxpay_models::{Decode, Endpoint, RawRequest};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    if kind & 1 == 0 {
        check(rest);
    } else {
        built(kind, rest);
    }
});

fn decode(body: &[u8]) -> Result<UploadImageRequest, wxpay_models::ValidationError> {
    UploadImageRequest::decode(&RawRequest {
        body,
        ..Default::default()
    })
}

/// Any body: the invariants that hold whatever it is. Returns what it decoded to.
fn check(body: &[u8]) -> Option<UploadImageRequest> {
    let meta = UploadImageRequest::signed_meta(body);
    if let Some(meta) = meta {
        let inside = body.as_ptr_range();
        assert!(inside.start <= meta.as_ptr() && meta.as_ptr_range().end <= inside.end);
    }
    let request = match decode(body) {
        Ok(request) => request,
        Err(e) => {
            assert!(!e.errors().is_empty());
            return None;
        }
    };
    let signed = meta.expect("a body that decodes has a meta part");
    let signed: ImageMeta =
        wxpay_models::server::json(signed).expect("the signed meta is the one decoded");
    assert_eq!(signed.filename, request.filename());
    assert!(
        signed
            .sha256
            .eq_ignore_ascii_case(&sha256_hex(request.file()))
    );
    if request.file().len() > MAX_IMAGE_BYTES {
        return Some(request); // the server answers it with its own code
    }
    request.validate().expect("a decoded upload validates");
    let wire = request
        .multipart()
        .expect("a valid upload has a multipart body");
    assert_eq!(
        UploadImageRequest::signed_meta(&wire.body),
        Some(&wire.meta[..])
    );
    let boundary = wire
        .content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("content type");
    assert!(
        wire.body
            .starts_with(format!("--{boundary}\r\n").as_bytes())
    );
    assert_eq!(decode(&wire.body).as_ref(), Ok(&request));
    Some(request)
}

/// Takes a length-prefixed slice off the front of `data`.
fn take<'a>(data: &mut &'a [u8]) -> &'a [u8] {
    let Some((&len, rest)) = data.split_first() else {
        return &[];
    };
    let (taken, rest) = rest.split_at(usize::from(len).min(rest.len()));
    *data = rest;
    taken
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn built(kind: u8, mut data: &[u8]) {
    let boundary = take(&mut data);
    let filename = String::from_utf8_lossy(take(&mut data)).into_owned();
    let mut file = match kind >> 5 & 3 {
        1 => b"\x89PNG\r\n\x1a\n".to_vec(),
        2 => b"\xff\xd8\xff".to_vec(),
        _ => Vec::new(),
    };
    file.extend_from_slice(data);
    let (meta_first, wrong_hash, extra) = (kind & 2 != 0, kind & 4 != 0, kind & 8 != 0);
    let mut sha256 = sha256_hex(&file);
    if wrong_hash {
        sha256.replace_range(..1, if sha256.starts_with('0') { "1" } else { "0" });
    }
    let meta = ImageMeta {
        filename: filename.clone(),
        sha256,
    };
    let meta = serde_json::to_vec(&meta).expect("meta JSON");
    let mut parts: Vec<(&str, &[u8])> = vec![("meta", &meta), ("file", &file)];
    if !meta_first {
        parts.reverse();
    }
    if extra {
        parts.insert(1, ("other", b"ignored"));
    }
    let mut delimiter = b"\r\n--".to_vec();
    delimiter.extend_from_slice(boundary);
    let mut body = b"--".to_vec();
    body.extend_from_slice(boundary);
    for (i, (name, content)) in parts.iter().enumerate() {
        if i > 0 {
            body.extend_from_slice(&delimiter);
        }
        body.extend_from_slice(
            format!("\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
    }
    body.extend_from_slice(&delimiter);
    body.extend_from_slice(b"--\r\n");

    let decoded = check(&body);
    // Well-formed: a boundary of 1–200 bytes on one line, and a delimiter that no part
    // contains, nor forms with the line break before it or the delimiter after it.
    let well_formed = (1..=200).contains(&boundary.len())
        && find(boundary, b"\r\n").is_none()
        && parts.iter().all(|(_, content)| {
            let mut tail = b"\r\n".to_vec();
            tail.extend_from_slice(content);
            tail.extend_from_slice(&delimiter);
            find(&tail, &delimiter) == Some(content.len() + 2)
        });
    if !well_formed {
        return;
    }
    let expected = UploadImageRequest::new(filename, file);
    match (decoded, wrong_hash, expected.validate()) {
        (Some(got), false, Ok(())) => assert_eq!(got, expected),
        (None, false, Ok(())) => panic!(
            "a well-formed valid upload was refused: {:?}",
            decode(&body)
        ),
        (Some(got), _, _) => panic!(
            "decoded {got:?} (wrong hash: {wrong_hash}, valid: {:?})",
            expected.validate()
        ),
        (None, true, _) => {
            let fields: Vec<String> = decode(&body)
                .err()
                .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
                .unwrap_or_default();
            assert!(fields.iter().any(|f| f == "meta.sha256"), "{fields:?}");
        }
        (None, false, Err(_)) => {}
    }
}
