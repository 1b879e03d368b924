//! Percent-decoding (RFC 3986 `%XX` escapes), strictly: what a browser
//! cannot have sent is an error, never guessed at.

/// Why a percent-encoded text does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PercentError {
    /// A `%` not followed by two hexadecimal digits (either case).
    #[error("`%` must be followed by two hexadecimal digits")]
    BadEscape,
    /// The decoded bytes are not UTF-8.
    #[error("the decoded text is not valid UTF-8")]
    NotUtf8,
}

/// Decodes a URL path segment: every `%XX` becomes the byte `XX`, every
/// other byte (`+` included) stays itself, and the result must be UTF-8.
/// A `%` without two hex digits after it is [`PercentError::BadEscape`]
/// (reported before [`PercentError::NotUtf8`]).
pub fn percent_decode(text: &str) -> Result<String, PercentError> {
    utf8(decode_bytes(text.as_bytes(), false)?)
}

/// Decodes one name or value of an `application/x-www-form-urlencoded`
/// body: as [`percent_decode`], except that `+` stands for a space.
pub fn percent_decode_form(bytes: &[u8]) -> Result<String, PercentError> {
    utf8(decode_bytes(bytes, true)?)
}

fn decode_bytes(bytes: &[u8], plus_is_space: bool) -> Result<Vec<u8>, PercentError> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes.iter().copied();
    while let Some(b) = rest.next() {
        match b {
            b'%' => {
                let hi = rest.next().and_then(hex_value);
                let lo = rest.next().and_then(hex_value);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(PercentError::BadEscape),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            other => out.push(other),
        }
    }
    Ok(out)
}

fn utf8(bytes: Vec<u8>) -> Result<String, PercentError> {
    String::from_utf8(bytes).map_err(|_| PercentError::NotUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_rules() {
        assert_eq!(percent_decode("caf%C3%a9+x").as_deref(), Ok("café+x"));
        assert_eq!(percent_decode_form(b"caf%C3%a9+x").as_deref(), Ok("café x"));
        assert_eq!(percent_decode_form(b"%2B").as_deref(), Ok("+"));
        for bad in ["%", "%4", "%4g", "%+1", "a%é1"] {
            assert_eq!(percent_decode(bad), Err(PercentError::BadEscape), "{bad}");
        }
        assert_eq!(percent_decode("%FF"), Err(PercentError::NotUtf8));
        assert_eq!(percent_decode("%FF%4"), Err(PercentError::BadEscape));
    }
}
