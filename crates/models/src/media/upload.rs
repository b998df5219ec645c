//! E33 图片上传: `POST {prefix}/media/upload-image`, a JPG or PNG as `multipart/form-data`
//! with a `meta` part (`{"filename", "sha256"}`, the part that is signed) and a `file` part.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sha2::{Digest, Sha256};

use crate::endpoint::{Endpoint, Multipart};
use crate::operation::{BodyKind, Method, Operation, Retry, per_second};
use crate::server::{Decode, RawRequest};
use crate::validate::{Checker, FieldError, Rule, ValidationError};

/// E33 图片上传 (`POST /media/upload-image`).
const UPLOAD_IMAGE: Operation = Operation {
    name: "UploadImage",
    kebab: "upload-image",
    title: "图片上传",
    method: Method::Post,
    path: "/media/upload-image",
    retry: Retry::Never,
    body: BodyKind::Multipart,
    partner: per_second(20),
    brand: per_second(20),
    carries_brand: false,
};

/// The largest image accepted: 2 MB.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = b"\xff\xd8\xff";

/// E33 图片上传 — `POST /media/upload-image`: uploads a JPG or PNG (≤ 2 MB) and answers its
/// permanent URL ([`MediaUrl`]), the only kind of picture URL the other operations take.
/// Sent as multipart; the signature covers the `meta` JSON only. No `brand_id` in either
/// mode, and not retried blindly.
///
/// ```
/// use wxpay_models::{Decode, Endpoint, Mode, RawRequest, Target, encode, media::UploadImageRequest};
/// let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
/// let r = UploadImageRequest::new("logo.png", png);
/// r.validate()?;
/// let wire = encode(&r, Target { mode: Mode::Partner, brand_id: None })?;
/// assert_eq!(wire.path_and_query, "/v3/marketing/partner/product-coupon/media/upload-image");
/// assert!(wire.content_type.starts_with("multipart/form-data; boundary="));
/// let meta = String::from_utf8(wire.signed_body.clone().unwrap_or_default()).unwrap_or_default();
/// assert!(meta.starts_with(r#"{"filename":"logo.png","sha256":""#));
/// // A server reads it back, boundary taken from the body's first line.
/// let back = UploadImageRequest::decode(&RawRequest { body: &wire.body, ..Default::default() })?;
/// assert_eq!(back, r);
/// # Ok::<(), wxpay_models::ValidationError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadImageRequest {
    /// The file name, at most 150 characters, ending in `.jpg`, `.jpeg` or `.png`.
    filename: String,
    /// The image bytes: a JPG or PNG of at most 2 MB (the `file` part).
    #[serde(skip)]
    file: Vec<u8>,
}

accessors! {
    UploadImageRequest,
    get: [
        filename / filename_mut: String => str,
        file / file_mut: Vec<u8> => [u8],
    ],
    with: []
}

impl UploadImageRequest {
    /// Uploads the image `file` under `filename`; see the [type](Self) for an example.
    pub fn new(filename: impl Into<String>, file: impl Into<Vec<u8>>) -> Self {
        Self {
            filename: filename.into(),
            file: file.into(),
        }
    }
}

impl fmt::Debug for UploadImageRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadImageRequest")
            .field("filename", &self.filename)
            .field("file", &format_args!("{} bytes", self.file.len()))
            .finish()
    }
}

/// The `meta` part of an upload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageMeta {
    /// The file name.
    pub filename: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
}

/// The answer of E33. The YAML names the URL `media_url`; Tencent's samples and WeChat Pay's
/// brand page name it `image_url`. Whichever came is kept; [`url`](Self::url) reads either.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUrl {
    /// The URL (YAML).
    pub media_url: Option<String>,
    /// The URL (Tencent's samples).
    pub image_url: Option<String>,
}

impl MediaUrl {
    /// The uploaded image's URL, under either name.
    pub fn url(&self) -> Option<&str> {
        self.media_url.as_deref().or(self.image_url.as_deref())
    }
}

/// What the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImageKind {
    Png,
    Jpeg,
}

impl ImageKind {
    fn of_bytes(file: &[u8]) -> Option<Self> {
        if file.starts_with(PNG_MAGIC) {
            Some(Self::Png)
        } else if file.starts_with(JPEG_MAGIC) {
            Some(Self::Jpeg)
        } else {
            None
        }
    }

    fn of_name(filename: &str) -> Option<Self> {
        let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
            out
        })
}

impl UploadImageRequest {
    /// The `meta` part: file name and SHA-256.
    pub fn meta(&self) -> ImageMeta {
        ImageMeta {
            filename: self.filename.clone(),
            sha256: sha256_hex(&self.file),
        }
    }

    /// Checks every rule, naming each broken field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.check(true)
    }

    /// The `meta` part of a multipart upload body as sent: what its signature covers.
    /// `None` when the body is not multipart or has no `meta` part.
    ///
    /// ```
    /// use wxpay_models::{Endpoint, media::UploadImageRequest};
    /// let r = UploadImageRequest::new("a.png", b"\x89PNG\r\n\x1a\n".to_vec());
    /// let m = r.multipart().unwrap_or_else(|| unreachable!());
    /// assert_eq!(UploadImageRequest::signed_meta(&m.body), Some(&m.meta[..]));
    /// assert_eq!(UploadImageRequest::signed_meta(b"{}"), None);
    /// ```
    pub fn signed_meta(body: &[u8]) -> Option<&[u8]> {
        let parts = parse_multipart(body).ok()?;
        parts
            .into_iter()
            .find(|p| p.name == "meta")
            .map(|p| p.content)
    }

    /// `image/png` or `image/jpeg`, by the file's magic bytes.
    pub fn content_type(&self) -> Option<&'static str> {
        ImageKind::of_bytes(&self.file).map(ImageKind::content_type)
    }

    /// Every rule; the 2 MB limit only when `size`.
    fn check(&self, size: bool) -> Result<(), ValidationError> {
        let mut c = Checker::default();
        c.required("filename", &self.filename, 150);
        if self
            .filename
            .chars()
            .any(|ch| ch.is_control() || matches!(ch, '"' | '\\' | '/'))
        {
            c.body(
                "filename",
                Rule::Charset("characters other than quotes, slashes and control characters"),
            );
        }
        let named = ImageKind::of_name(&self.filename);
        if !self.filename.is_empty() && named.is_none() {
            c.body(
                "filename",
                Rule::Mode("must end in .jpg, .jpeg or .png".into()),
            );
        }
        if self.file.is_empty() {
            c.body("file", Rule::Required);
        } else if size && self.file.len() > MAX_IMAGE_BYTES {
            c.body(
                "file",
                Rule::Mode(format!(
                    "must be at most 2 MB ({MAX_IMAGE_BYTES} bytes), got {}",
                    self.file.len()
                )),
            );
        } else {
            match (ImageKind::of_bytes(&self.file), named) {
                (None, _) => c.body("file", Rule::Mode("must be a JPG or PNG image".into())),
                (Some(kind), Some(name)) if kind != name => c.body(
                    "file",
                    Rule::Mode(format!(
                        "is {} but filename says {}",
                        kind.content_type(),
                        name.content_type()
                    )),
                ),
                _ => {}
            }
        }
        c.finish()
    }
}

impl Endpoint for UploadImageRequest {
    const OPERATION: &'static Operation = &UPLOAD_IMAGE;
    type Response = MediaUrl;

    fn path_param(&self, _: &str) -> Option<&str> {
        None
    }
    fn query(&self) -> Vec<(&'static str, Cow<'_, str>)> {
        Vec::new()
    }
    fn brand_id(&self) -> Option<&str> {
        None
    }
    fn set_brand_id(&mut self, _: Option<String>) {}
    fn request_no(&self) -> Option<&str> {
        None
    }
    fn validate(&self) -> Result<(), ValidationError> {
        UploadImageRequest::validate(self)
    }

    /// `meta` first, then `file`, each part with its Content-Type; the boundary is derived
    /// from the file's hash (so the same upload encodes to the same bytes) and never occurs
    /// in the parts.
    fn multipart(&self) -> Option<Multipart> {
        let meta = self.meta();
        let meta_json = serde_json::to_vec(&meta).ok()?;
        let content_type = ImageKind::of_name(&self.filename)
            .or_else(|| ImageKind::of_bytes(&self.file))
            .map_or("application/octet-stream", ImageKind::content_type);
        let mut boundary = format!("wxpay-boundary-{}", meta.sha256.get(..24).unwrap_or("0"));
        while find(&self.file, boundary.as_bytes()).is_some()
            || find(&meta_json, boundary.as_bytes()).is_some()
        {
            boundary.push('x');
        }
        let mut body = Vec::with_capacity(self.file.len() + meta_json.len() + 400);
        let mut part = |headers: String, content: &[u8]| {
            body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        };
        part(
            "Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json"
                .into(),
            &meta_json,
        );
        part(
            format!(
                "Content-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {content_type}",
                self.filename
            ),
            &self.file,
        );
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Some(Multipart {
            body,
            meta: meta_json,
            content_type: format!("multipart/form-data; boundary={boundary}"),
        })
    }
}

impl Decode for UploadImageRequest {
    fn empty() -> Self {
        Self::blank()
    }

    fn set_path_param(&mut self, _: &str, _: String) -> bool {
        false
    }
    fn set_query_param(&mut self, _: &str, _: &str) -> Result<bool, Rule> {
        Ok(false)
    }

    /// Reads a multipart body back: the boundary from its first line, the `meta` and `file`
    /// parts in either order; `meta.sha256` must match the file; then every rule of
    /// [`validate`](UploadImageRequest::validate) but the 2 MB limit: the service answers an
    /// oversize image with its own code (图片超过指定大小, 270087680), so a server checks
    /// [`MAX_IMAGE_BYTES`] itself after decoding.
    fn decode(raw: &RawRequest<'_>) -> Result<Self, ValidationError> {
        let parts = parse_multipart(raw.body)?;
        let named = |name: &str| parts.iter().find(|p| p.name == name).map(|p| p.content);
        let meta_bytes = named("meta").ok_or_else(|| missing("meta"))?;
        let file = named("file").ok_or_else(|| missing("file"))?;
        let meta: ImageMeta = crate::server::json(meta_bytes).map_err(|e| under_meta(&e))?;
        if !meta.sha256.eq_ignore_ascii_case(&sha256_hex(file)) {
            return Err(ValidationError::single(FieldError::body(
                "meta.sha256",
                Rule::Mode("does not match the SHA-256 of the file part".into()),
            )));
        }
        let request = Self {
            filename: meta.filename,
            file: file.to_vec(),
        };
        request.check(false).map(|()| request)
    }
}

fn missing(part: &str) -> ValidationError {
    ValidationError::single(FieldError::body(part, Rule::Required))
}

/// Errors of the `meta` JSON, named under `meta`.
fn under_meta(e: &ValidationError) -> ValidationError {
    ValidationError::new(
        e.errors()
            .iter()
            .map(|f| FieldError {
                field: match f.field.as_str() {
                    "(body)" => "meta".into(),
                    field => format!("meta.{field}"),
                },
                ..f.clone()
            })
            .collect(),
    )
}

/// One part of a multipart body.
struct Part<'a> {
    name: String,
    content: &'a [u8],
}

fn body_error(why: &str) -> ValidationError {
    ValidationError::single(FieldError::body(
        "(body)",
        Rule::Mode(format!("is not multipart/form-data: {why}")),
    ))
}

/// Splits a `multipart/form-data` body whose first line is `--boundary`.
fn parse_multipart(body: &[u8]) -> Result<Vec<Part<'_>>, ValidationError> {
    let line_end = find(body, b"\r\n").ok_or_else(|| body_error("no first line"))?;
    let boundary = body[..line_end]
        .strip_prefix(b"--")
        .filter(|b| (1..=200).contains(&b.len()))
        .ok_or_else(|| body_error("the first line is not a boundary"))?;
    let mut delimiter = b"\r\n--".to_vec();
    delimiter.extend_from_slice(boundary);
    let mut rest = &body[line_end + 2..];
    let mut parts = Vec::new();
    loop {
        let end =
            find(rest, &delimiter).ok_or_else(|| body_error("a part has no closing boundary"))?;
        parts.push(part(&rest[..end])?);
        let after = &rest[end + delimiter.len()..];
        if after.starts_with(b"--") {
            return Ok(parts);
        }
        rest = after
            .strip_prefix(b"\r\n")
            .ok_or_else(|| body_error("a boundary is not followed by a line break"))?;
        if parts.len() > 16 {
            return Err(body_error("too many parts"));
        }
    }
}

/// A part's name (from Content-Disposition) and content.
fn part(raw: &[u8]) -> Result<Part<'_>, ValidationError> {
    let split = find(raw, b"\r\n\r\n").ok_or_else(|| body_error("a part has no header end"))?;
    let headers =
        std::str::from_utf8(&raw[..split]).map_err(|_| body_error("part headers are not UTF-8"))?;
    let name = headers
        .split("\r\n")
        .filter_map(|h| h.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
        .find_map(|(_, v)| {
            v.split(';').find_map(|p| {
                let value = p.trim().strip_prefix("name=")?;
                Some(value.trim_matches('"').to_owned())
            })
        })
        .ok_or_else(|| body_error("a part has no name"))?;
    Ok(Part {
        name,
        content: &raw[split + 4..],
    })
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    (0..=haystack.len() - needle.len())
        .filter(|&i| haystack[i] == first)
        .find(|&i| haystack[i..].starts_with(needle))
}
