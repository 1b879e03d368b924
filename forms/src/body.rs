//! Decoding of a submission body into [`FormData`].
//!
//! STUB: the signatures below are the contract other modules build on; the
//! bodies are being written (see the forms validation work).

use crate::schema::FormData;

/// Why a body could not be read. Each maps onto one HTTP status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BodyError {
    /// 400: the body does not decode (percent-encoding, UTF-8, JSON shape...).
    #[error("malformed body: {0}")]
    Malformed(String),
    /// 415: a content type we do not read, or a file part in multipart.
    #[error("unsupported content type: {0}")]
    UnsupportedType(String),
}

/// Decodes `body` according to its `Content-Type` header value:
/// `application/x-www-form-urlencoded`, `multipart/form-data` or
/// `application/json` (a flat object of strings or arrays of strings).
pub async fn parse_body(content_type: Option<&str>, body: &[u8]) -> Result<FormData, BodyError> {
    let _ = (content_type, body);
    Err(BodyError::UnsupportedType("not implemented yet".into()))
}
