//! Reading whole files with a size bound fit for what each holds, so that a wrong path
//! (`/dev/zero`, a disk image, a log) fails at once with a clear message instead of reading
//! gigabytes. The tools read every whole file through here; streams (a campaign's CSV) are
//! bounded where they are read, with [`too_large`] for the message.

use std::io::{self, Read};
use std::path::Path;

/// A PEM key or certificate: an RSA-4096 private key is about 3.3 KiB, a certificate with
/// its chain a few KiB more.
pub const MAX_PEM_BYTES: u64 = 64 * 1024;

/// A PEM bundle of CA certificates (`root_cert_files`): a whole public root store is about
/// 220 KiB.
pub const MAX_PEM_BUNDLE_BYTES: u64 = 1024 * 1024;

/// Reads all of `path`, refusing more than `limit` bytes; `what` says what the file holds
/// (`"a PEM key"`) in the message. A regular file is judged by its size before reading;
/// anything else (a device, a pipe) is read up to one byte past the limit.
///
/// ```
/// use wxpay_signing::file::{MAX_PEM_BYTES, read_limited};
/// let pem = read_limited("tests/data/keys/merchant_key.pem".as_ref(), MAX_PEM_BYTES, "a PEM key")?;
/// assert!(pem.starts_with(b"-----BEGIN"));
/// let err = read_limited("tests/data/keys/merchant_key.pem".as_ref(), 100, "a PEM key").unwrap_err();
/// assert_eq!(err.to_string(), "larger than 100 bytes, the limit for a PEM key");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_limited(path: &Path, limit: u64, what: &str) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > limit
    {
        return Err(too_large(limit, what));
    }
    let mut out = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(too_large(limit, what));
    }
    Ok(out)
}

/// [`read_limited`] for a text file: the bytes must be UTF-8.
///
/// ```
/// use wxpay_signing::file::read_to_string_limited;
/// let text = read_to_string_limited("tests/data/keys/platform_pub.pem".as_ref(), 4096, "a PEM key")?;
/// assert!(text.contains("PUBLIC KEY"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_to_string_limited(path: &Path, limit: u64, what: &str) -> io::Result<String> {
    String::from_utf8(read_limited(path, limit, what)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The error of a file over its bound: `larger than 64 KiB, the limit for a PEM key`.
///
/// ```
/// let e = wxpay_signing::file::too_large(2 << 20, "an image");
/// assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
/// assert_eq!(e.to_string(), "larger than 2 MiB, the limit for an image");
/// ```
pub fn too_large(limit: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than {}, the limit for {what}", size(limit)),
    )
}

/// `limit` in the largest binary unit that divides it: `64 KiB`, `1 GiB`, `100 bytes`.
///
/// ```
/// assert_eq!(wxpay_signing::file::size(64 * 1024), "64 KiB");
/// assert_eq!(wxpay_signing::file::size(1 << 30), "1 GiB");
/// assert_eq!(wxpay_signing::file::size(4097), "4097 bytes");
/// ```
pub fn size(bytes: u64) -> String {
    for (unit, name) in [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_read_up_to_the_bound_only() {
        let zero = Path::new("/dev/zero");
        if !zero.exists() {
            return;
        }
        let err = read_limited(zero, 1024, "a PEM key").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert!(err.to_string().contains("1 KiB, the limit for a PEM key"));
    }

    #[test]
    fn a_file_at_the_bound_is_read_and_one_byte_more_is_not() {
        let dir = std::env::temp_dir().join(format!("wxpay-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        std::fs::write(&path, [b'a'; 10]).unwrap();
        assert_eq!(read_limited(&path, 10, "x").unwrap().len(), 10);
        assert!(read_limited(&path, 9, "x").is_err());
        std::fs::write(&path, b"\xff\xfe").unwrap();
        let err = read_to_string_limited(&path, 10, "x").unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
