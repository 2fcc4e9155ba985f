//! Parsing of `--size` values such as `1.25GB`, `500MB` or `2GiB`.
//!
//! Decimal units (`KB`, `MB`, `GB`, `TB`) are powers of 1000 and binary units (`KiB`, `MiB`,
//! `GiB`, `TiB`) powers of 1024, as `bytesize` defines them; a bare number is bytes. Units are
//! case-insensitive and may follow a space.

use std::str::FromStr;

use bytesize::ByteSize;

/// Parses a size into bytes.
///
/// # Errors
///
/// A message naming what is wrong (empty, negative, zero, unknown unit or number) and what is
/// accepted, suitable as the tail of a one-line usage error.
pub fn parse_size(text: &str) -> Result<u64, String> {
    const ACCEPTED: &str = "expected a positive size such as 1.25GB, 500MB or 2GiB";
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("empty size; {ACCEPTED}"));
    }
    if text.starts_with('-') {
        return Err(format!("sizes cannot be negative; {ACCEPTED}"));
    }
    match ByteSize::from_str(text) {
        Ok(size) if size.as_u64() > 0 => Ok(size.as_u64()),
        Ok(_) => Err(format!("the size is zero; {ACCEPTED}")),
        Err(_) => Err(format!("not a size; {ACCEPTED}")),
    }
}

/// Formats bytes with decimal units and one decimal (`1.3 GB`), the way summaries print them.
pub(crate) fn human(bytes: u64) -> String {
    ByteSize(bytes).display().si().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_and_binary_units() {
        assert_eq!(parse_size("1.25GB"), Ok(1_250_000_000));
        assert_eq!(parse_size("1.25 gb"), Ok(1_250_000_000));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size(" 10KB "), Ok(10_000));
    }

    #[test]
    fn rejects_bad_sizes_with_a_hint() {
        for bad in ["", "-1GB", "0", "0GB", "abc", "1.2.3GB", "12XB", "GB", "1e3GB"] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains("1.25GB"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn human_uses_decimal_units() {
        assert_eq!(human(1_250_000_000), "1.2 GB");
        assert_eq!(human(999), "999 B");
    }
}
