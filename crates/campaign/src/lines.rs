//! Physical lines of a file read as a stream, each line and the whole bounded in size, so
//! that a wrong path (`/dev/zero`, a binary) fails at once instead of filling memory; and
//! the CSV fields of one line.

use std::io::{self, BufRead, BufReader, Read};

use wxpay_signing::file::size;

/// Reads `\n`- or `\r\n`-terminated lines, numbering them from 1.
pub(crate) struct Lines<R> {
    reader: BufReader<io::Take<R>>,
    max_line: usize,
    max_total: u64,
    total: u64,
    number: u64,
    what: &'static str,
}

impl<R: Read> Lines<R> {
    /// Lines of at most `max_line` bytes (without the line end), `max_total` bytes in all;
    /// `what` names the file's kind in messages (`a campaign CSV`).
    pub(crate) fn new(input: R, max_line: usize, max_total: u64, what: &'static str) -> Self {
        Self {
            reader: BufReader::with_capacity(64 * 1024, input.take(max_total.saturating_add(1))),
            max_line,
            max_total,
            total: 0,
            number: 0,
            what,
        }
    }

    /// The next line's number and content (without its line end) in `buf`; `None` at the
    /// end. An over-long line or an over-large file is an error that says which limit.
    pub(crate) fn next_line<'b>(
        &mut self,
        buf: &'b mut Vec<u8>,
    ) -> io::Result<Option<(u64, &'b [u8])>> {
        buf.clear();
        let limit = self.max_line as u64 + 2; // the content, then "\r\n"
        let n = (&mut self.reader).take(limit).read_until(b'\n', buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        self.total += n as u64;
        if self.total > self.max_total {
            return Err(wxpay_signing::file::too_large(self.max_total, self.what));
        }
        let mut line = buf.as_slice();
        if let Some(rest) = line.strip_suffix(b"\n") {
            line = rest.strip_suffix(b"\r").unwrap_or(rest);
        }
        if line.len() > self.max_line {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {}, the limit for a line of {}",
                    self.number,
                    size(self.max_line as u64),
                    self.what
                ),
            ));
        }
        Ok(Some((self.number, line)))
    }
}

/// Splits one physical line into its trimmed fields with csv-core (RFC 4180 quoting).
pub(crate) struct Splitter {
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Default for Splitter {
    fn default() -> Self {
        Self {
            core: csv_core::ReaderBuilder::new()
                .terminator(csv_core::Terminator::Any(b'\n'))
                .build(),
            out: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl Splitter {
    /// The fields of `line` (without its line end), trimmed; an error in words for a quote
    /// left open at the end or a field that is not UTF-8.
    pub(crate) fn split(&mut self, line: &[u8]) -> Result<Vec<&str>, String> {
        use csv_core::ReadRecordResult::{InputEmpty, Record};
        self.core.reset();
        // Unquoting never lengthens a field; one more byte for a line end taken as data.
        self.out.resize(line.len() + 1, 0);
        self.ends.resize(line.len() + 2, 0);
        let (first, _, out1, ends1) = self.core.read_record(line, &mut self.out, &mut self.ends);
        // The line end: it ends the record unless a quote is still open.
        let (last, _, out2, ends2) =
            self.core
                .read_record(b"\n", &mut self.out[out1..], &mut self.ends[ends1..]);
        match (first, last) {
            (InputEmpty, Record) => {}
            (InputEmpty, InputEmpty) => {
                let shown: String = String::from_utf8_lossy(line).chars().take(40).collect();
                return Err(format!(
                    "a quote opened on this line is still open at its end ({shown:?}); no column holds a line break: close the quote or remove it"
                ));
            }
            other => return Err(format!("malformed CSV ({other:?})")),
        }
        let (out, ends) = (&self.out[..out1 + out2], &self.ends[..ends1 + ends2]);
        let mut fields = Vec::with_capacity(ends.len());
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            let field = std::str::from_utf8(&out[start..end])
                .map_err(|_| format!("column {} is not UTF-8 text", i + 1))?;
            fields.push(field.trim());
            start = end;
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8], max_line: usize, max_total: u64) -> io::Result<Vec<(u64, Vec<u8>)>> {
        let mut lines = Lines::new(text, max_line, max_total, "a test file");
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some((n, line)) = lines.next_line(&mut buf)? {
            out.push((n, line.to_vec()));
        }
        Ok(out)
    }

    #[test]
    fn line_ends_and_numbers() {
        let got = all(b"a\r\nb\n\nc", 10, 100).unwrap();
        let want: Vec<(u64, Vec<u8>)> = vec![
            (1, b"a".to_vec()),
            (2, b"b".to_vec()),
            (3, b"".to_vec()),
            (4, b"c".to_vec()),
        ];
        assert_eq!(got, want);
        // A lone '\r' is not a line end.
        assert_eq!(
            all(b"a\rb\n", 10, 100).unwrap(),
            vec![(1, b"a\rb".to_vec())]
        );
    }

    #[test]
    fn limits_are_exact() {
        assert!(all(b"12345\r\n", 5, 100).is_ok());
        assert!(all(b"12345", 5, 100).is_ok());
        let err = all(b"ok\n123456\n", 5, 100).unwrap_err();
        assert!(
            err.to_string().starts_with("line 2 is longer than 5 bytes"),
            "{err}"
        );
        assert!(all(b"1234\n1234\n", 10, 10).is_ok());
        let err = all(b"1234\n1234\n1", 10, 10).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    }
}
