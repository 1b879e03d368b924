//! Reading a request: its body (with a size limit), headers, the client's
//! address, and what kind of answer it wants.

use std::net::{IpAddr, SocketAddr};

use bytes::{Buf, Bytes};
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, COOKIE};
use http::{HeaderMap, Request};
use http_body_util::BodyExt;

use crate::body::{BodyError, parse_body};
use crate::error::ApiError;
use crate::schema::FormData;

/// The header Spin sets to the client's `ip:port`.
pub const CLIENT_ADDR_HEADER: &str = "spin-client-addr";

/// Reads a whole body of at most `limit` bytes. A `Content-Length` above the
/// limit is refused before anything is read; without one, reading stops as
/// soon as the limit is passed.
pub async fn collect_limited<B>(
    headers: &HeaderMap,
    body: B,
    limit: usize,
) -> Result<Bytes, ApiError>
where
    B: http_body::Body,
{
    let mut expected = None;
    if let Some(value) = headers.get(CONTENT_LENGTH) {
        let length: u64 = value
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| ApiError::Malformed("invalid Content-Length".into()))?;
        if length > limit as u64 {
            return Err(ApiError::TooLarge { limit });
        }
        expected = usize::try_from(length).ok();
    }
    let mut body = std::pin::pin!(body);
    let mut buf: Vec<u8> = Vec::with_capacity(expected.unwrap_or(0));
    // Once Content-Length bytes are in, the body is complete: not waiting
    // for the end of the stream saves a round trip to the host (Spin).
    while expected.is_none_or(|n| buf.len() < n)
        && let Some(frame) = body.frame().await
    {
        let frame = frame.map_err(|_| ApiError::Malformed("the body could not be read".into()))?;
        if let Ok(mut data) = frame.into_data() {
            if buf.len().saturating_add(data.remaining()) > limit {
                return Err(ApiError::TooLarge { limit });
            }
            while data.has_remaining() {
                let chunk = data.chunk();
                let n = chunk.len();
                buf.extend_from_slice(chunk);
                data.advance(n);
            }
        }
    }
    Ok(Bytes::from(buf))
}

pub(super) fn header_str(
    headers: &HeaderMap,
    name: impl http::header::AsHeaderName,
) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(super) fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Whether the client wants JSON rather than a redirect: it asks for
/// `application/json`, or it sent JSON (no browser form can).
pub(super) fn wants_json(headers: &HeaderMap) -> bool {
    let is_json = |v: &str| {
        v.split(',').any(|item| {
            item.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
    };
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(is_json)
        || header_str(headers, CONTENT_TYPE).is_some_and(is_json)
}

/// Decodes a urlencoded, multipart or JSON body into name/value pairs.
pub(super) async fn read_form_data(req: &Request<Bytes>) -> Result<FormData, ApiError> {
    let content_type = match req.headers().get(CONTENT_TYPE) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::UnsupportedType("unreadable Content-Type".into()))?,
        ),
    };
    parse_body(content_type, req.body())
        .await
        .map_err(|e| match e {
            BodyError::Malformed(m) => ApiError::Malformed(m),
            BodyError::UnsupportedType(m) => ApiError::UnsupportedType(m),
        })
}

/// A JSON body as a plain value: each typed deserializer costs the
/// size-bound component kilobytes.
pub(super) fn json_body(body: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_slice(body)
}

/// A JSON array of strings.
pub(super) fn strings(value: &serde_json::Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Every `Cookie` header of the request, joined (HTTP/2 may split them).
pub(super) fn cookie_header(req: &Request<Bytes>) -> Option<String> {
    let parts: Vec<&str> = req
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

pub(super) fn client_ip(headers: &HeaderMap) -> Option<IpAddr> {
    let raw = header_str(headers, CLIENT_ADDR_HEADER)?.trim();
    if let Ok(sock) = raw.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    raw.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()
}

/// The client as rate limits count it: an IPv4 address (IPv4-mapped IPv6
/// included) as itself, an IPv6 address as its network of `ipv6_prefix_len`
/// bits (`2001:db8:1:2::/64`), since one host usually holds a whole /64 and
/// can rotate through it; `unknown` without a parsable address.
pub(super) fn client_key(headers: &HeaderMap, ipv6_prefix_len: u8) -> String {
    match client_ip(headers) {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let bits = u32::from(ipv6_prefix_len.min(128));
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                let net = std::net::Ipv6Addr::from(u128::from(v6) & mask);
                format!("{net}/{bits}")
            }
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use http::HeaderValue;

    use super::*;

    /// The client's IP from `spin-client-addr` (`ip:port` or `[v6]:port`), or
    /// `unknown`. Only a parsed address is ever used as a key.
    fn client_addr(headers: &HeaderMap) -> String {
        client_ip(headers).map_or_else(|| "unknown".into(), |ip| ip.to_string())
    }

    #[test]
    fn client_addresses() {
        let addr = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CLIENT_ADDR_HEADER, HeaderValue::from_str(v).unwrap());
            client_addr(&h)
        };
        assert_eq!(addr("203.0.113.7:51234"), "203.0.113.7");
        assert_eq!(addr("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(addr("2001:db8::1"), "2001:db8::1");
        assert_eq!(addr("rl:evil"), "unknown");
        assert_eq!(client_addr(&HeaderMap::new()), "unknown");
        let key = |v: &str, len: u8| {
            let mut h = HeaderMap::new();
            h.insert(CLIENT_ADDR_HEADER, HeaderValue::from_str(v).unwrap());
            client_key(&h, len)
        };
        assert_eq!(key("[2001:db8:1:2:3:4:5:6]:1", 64), "2001:db8:1:2::/64");
        assert_eq!(key("[2001:db8:1:2:3:4:5:6]:1", 48), "2001:db8:1::/48");
        assert_eq!(key("[2001:db8::1]:1", 128), "2001:db8::1/128");
        assert_eq!(key("[2001:db8::1]:1", 0), "::/0");
        assert_eq!(key("[::ffff:192.0.2.1]:1", 64), "192.0.2.1");
        assert_eq!(key("192.0.2.1:1", 64), "192.0.2.1");
        assert_eq!(key("nonsense", 64), "unknown");
    }
}
