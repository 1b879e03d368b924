//! Decoding of a submission body into [`FormData`].
//!
//! Decoding is strict: a body a browser could not have sent (broken
//! percent-encoding, invalid UTF-8, a JSON shape other than a flat object of
//! strings) is [`BodyError::Malformed`] rather than guessed at. Field order
//! and repeated names are kept exactly as received.

use std::convert::Infallible;

use crate::schema::FormData;
use crate::text::{PercentError, percent_decode_form};

/// JSON bodies may nest at most this deep: the object, and arrays in it.
pub(crate) const MAX_JSON_DEPTH: usize = 2;

/// Why a body could not be read. Each maps onto one HTTP status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// 400: the body does not decode (percent-encoding, UTF-8, JSON shape...).
    #[error("malformed body: {0}")]
    Malformed(String),
    /// 415: a content type we do not read, or a file part in multipart.
    #[error("unsupported content type: {0}")]
    UnsupportedType(String),
}

/// The body types [`parse_body`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyType {
    UrlEncoded,
    Multipart,
    Json,
}

/// Decodes `body` according to its `Content-Type` header value:
/// `application/x-www-form-urlencoded`, `multipart/form-data` or
/// `application/json` (a flat object of strings or arrays of strings).
pub(crate) async fn parse_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<FormData, BodyError> {
    let Some(content_type) = content_type else {
        return Err(BodyError::UnsupportedType(
            "missing Content-Type: send application/x-www-form-urlencoded, multipart/form-data or application/json"
                .into(),
        ));
    };
    match body_type(content_type)? {
        BodyType::UrlEncoded => parse_urlencoded(body),
        BodyType::Multipart => parse_multipart(content_type, body).await,
        BodyType::Json => parse_json(body),
    }
}

/// Which body type a `Content-Type` value names: the media type is matched
/// case-insensitively, parameters are ignored except `charset`, which must be
/// UTF-8 when present.
pub(crate) fn body_type(content_type: &str) -> Result<BodyType, BodyError> {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let kind = match essence.as_str() {
        "application/x-www-form-urlencoded" => BodyType::UrlEncoded,
        "multipart/form-data" => BodyType::Multipart,
        "application/json" => BodyType::Json,
        _ => {
            let shown: String = essence.chars().take(100).collect();
            return Err(BodyError::UnsupportedType(format!(
                "“{shown}”: send application/x-www-form-urlencoded, multipart/form-data or application/json"
            )));
        }
    };
    for param in parts {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        if key.trim().eq_ignore_ascii_case("charset") {
            let value = value.trim().trim_matches('"');
            if !value.eq_ignore_ascii_case("utf-8") {
                let shown: String = value.chars().take(40).collect();
                return Err(BodyError::UnsupportedType(format!(
                    "charset “{shown}”: only UTF-8 is accepted"
                )));
            }
        }
    }
    Ok(kind)
}

/// `application/x-www-form-urlencoded`, strictly: pairs split at `&` (empty
/// ones skipped), name and value at the first `=`, each decoded with
/// [`percent_decode_form`] (`+` is a space, `%` must be followed by two hex
/// digits, the result must be UTF-8). A bad escape in a pair is reported
/// before bad UTF-8 in it.
fn parse_urlencoded(body: &[u8]) -> Result<FormData, BodyError> {
    let mut pairs = Vec::new();
    for (index, segment) in body.split(|b| *b == b'&').enumerate() {
        if segment.is_empty() {
            continue;
        }
        let (name, value) = match segment.iter().position(|b| *b == b'=') {
            Some(at) => (&segment[..at], &segment[at + 1..]),
            None => (segment, &segment[segment.len()..]),
        };
        match (percent_decode_form(name), percent_decode_form(value)) {
            (Ok(name), Ok(value)) => pairs.push((name, value)),
            (Err(PercentError::BadEscape), _) | (_, Err(PercentError::BadEscape)) => {
                return Err(pair_error(index, PercentError::BadEscape));
            }
            (Err(e), _) | (_, Err(e)) => return Err(pair_error(index, e)),
        }
    }
    Ok(FormData(pairs))
}

fn pair_error(index: usize, error: PercentError) -> BodyError {
    BodyError::Malformed(format!("pair {}: {error}", index + 1))
}

/// `multipart/form-data` with text fields only.
async fn parse_multipart(content_type: &str, body: &[u8]) -> Result<FormData, BodyError> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| {
        BodyError::Malformed(format!(
            "multipart/form-data without a usable boundary: {e}"
        ))
    })?;
    let chunk = bytes::Bytes::copy_from_slice(body);
    let stream = futures::stream::once(async move { Ok::<_, Infallible>(chunk) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut pairs = Vec::new();
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|e| BodyError::Malformed(format!("multipart: {e}")))?;
        let Some(field) = field else { break };
        let Some(name) = field.name().map(str::to_owned) else {
            return Err(BodyError::Malformed(
                "multipart: a part has no name in its Content-Disposition".into(),
            ));
        };
        if field.file_name().is_some() {
            let shown: String = name.chars().take(64).collect();
            return Err(BodyError::UnsupportedType(format!(
                "file uploads are not supported (part “{shown}” is a file)"
            )));
        }
        let data = field
            .bytes()
            .await
            .map_err(|e| BodyError::Malformed(format!("multipart: {e}")))?;
        let value = String::from_utf8(data.to_vec()).map_err(|_| {
            let shown: String = name.chars().take(64).collect();
            BodyError::Malformed(format!(
                "multipart: the value of “{shown}” is not valid UTF-8"
            ))
        })?;
        pairs.push((name, value));
    }
    Ok(FormData(pairs))
}

/// `application/json`: one object whose values are strings or arrays of
/// strings; an array stands for a repeated field.
fn parse_json(body: &[u8]) -> Result<FormData, BodyError> {
    check_json_depth(body)?;
    let flat: FlatObject =
        serde_json::from_slice(body).map_err(|e| BodyError::Malformed(format!("JSON: {e}")))?;
    Ok(FormData(flat.0))
}

/// Refuses nesting deeper than [`MAX_JSON_DEPTH`] before any parser recurses.
fn check_json_depth(body: &[u8]) -> Result<(), BodyError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(BodyError::Malformed(
                        "JSON: expected a flat object whose values are strings or arrays of strings, found deeper nesting"
                            .into(),
                    ));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A JSON object read in document order (serde_json's map would sort it).
struct FlatObject(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for FlatObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ObjectVisitor)
    }
}

struct ObjectVisitor;

impl<'de> serde::de::Visitor<'de> for ObjectVisitor {
    type Value = FlatObject;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object whose values are strings or arrays of strings")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FlatObject, A::Error> {
        let mut pairs = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let values: Values = map.next_value_seed(ValuesSeed(&name))?;
            pairs.extend(values.0.into_iter().map(|v| (name.clone(), v)));
        }
        Ok(FlatObject(pairs))
    }
}

struct Values(Vec<String>);

/// Reads one member's value, naming the member in errors.
struct ValuesSeed<'a>(&'a str);

impl<'de> serde::de::DeserializeSeed<'de> for ValuesSeed<'_> {
    type Value = Values;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Values, D::Error> {
        deserializer.deserialize_any(ValuesVisitor(self.0))
    }
}

struct ValuesVisitor<'a>(&'a str);

impl<'de> serde::de::Visitor<'de> for ValuesVisitor<'_> {
    type Value = Values;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = self.0.chars().take(64).collect();
        write!(f, "a string or an array of strings for “{shown}”")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Values, E> {
        Ok(Values(vec![v.to_owned()]))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Values, E> {
        Ok(Values(vec![v]))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
        let mut values = Vec::new();
        while let Some(item) = seq.next_element_seed(StringSeed(self.0))? {
            values.push(item);
        }
        Ok(Values(values))
    }
}

/// One array element: a string and nothing else.
struct StringSeed<'a>(&'a str);

impl<'de> serde::de::DeserializeSeed<'de> for StringSeed<'_> {
    type Value = String;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(StringVisitor(self.0))
    }
}

struct StringVisitor<'a>(&'a str);

impl<'de> serde::de::Visitor<'de> for StringVisitor<'_> {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = self.0.chars().take(64).collect();
        write!(f, "only strings in the array for “{shown}”")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

#[cfg(test)]
mod tests;
