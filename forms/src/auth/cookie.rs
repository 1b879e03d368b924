//! The session cookie and where a request's token comes from.

/// Name of the cookie that carries the session token.
pub const COOKIE_NAME: &str = "letterbox_token";

/// The cookie is only sent to the API, never to the static pages.
pub const COOKIE_PATH: &str = "/api";

/// Where [`token_from_request`] found the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenSource {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// The [`COOKIE_NAME`] cookie; such requests also need the Origin check.
    Cookie,
}

/// Whether `token` can be a cookie value without quoting: a compact JWS only
/// has base64url characters and dots, so anything else is refused rather than
/// allowed to smuggle in attributes (`;`) or break the header.
fn is_cookie_safe(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A `Set-Cookie` value carrying `token` for `max_age_secs` seconds.
///
/// `HttpOnly`, `SameSite=Strict`, `Path=/api`, and `Secure` when `secure` is
/// true (pass false only when the site is served from `localhost` /
/// `127.0.0.1` over plain HTTP). A `token` with characters outside the compact
/// JWS alphabet yields the same value as [`clear_cookie`] instead of a cookie
/// with injected attributes.
pub fn session_cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    if !is_cookie_safe(token) {
        return clear_cookie(secure);
    }
    cookie_line(token, max_age_secs, secure)
}

/// A `Set-Cookie` value that makes the browser drop the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    cookie_line("", 0, secure)
}

fn cookie_line(value: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={value}; Max-Age={max_age_secs}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict{secure}"
    )
}

/// The token of a request, from the `Authorization` and `Cookie` header values.
///
/// A `Bearer` authorization wins over the cookie. An `Authorization` header
/// with another scheme (e.g. `Basic`) is ignored, so the cookie still counts.
/// Of several cookies named [`COOKIE_NAME`], the first is used (browsers send
/// the most specific path first). Empty tokens count as absent.
pub fn token_from_request(
    authorization_header: Option<&str>,
    cookie_header: Option<&str>,
) -> Option<(String, TokenSource)> {
    if let Some(token) = authorization_header.and_then(bearer_token) {
        return Some((token.to_owned(), TokenSource::Bearer));
    }
    let cookie_header = cookie_header?;
    for pair in cookie_header.split(';') {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        if name.trim() != COOKIE_NAME {
            continue;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        if value.is_empty() {
            return None;
        }
        return Some((value.to_owned(), TokenSource::Cookie));
    }
    None
}

fn bearer_token(header: &str) -> Option<&str> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_attributes() {
        let c = session_cookie("a.b.c", 900, true);
        assert_eq!(
            c,
            "letterbox_token=a.b.c; Max-Age=900; Path=/api; HttpOnly; SameSite=Strict; Secure"
        );
        let c = session_cookie("a.b.c", 900, false);
        assert!(!c.contains("Secure"));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/api"));
    }

    #[test]
    fn session_cookie_refuses_attribute_injection() {
        let c = session_cookie("a.b.c; Domain=evil.example", 900, true);
        assert_eq!(c, clear_cookie(true));
        assert!(!c.contains("evil"));
        assert_eq!(session_cookie("", 900, false), clear_cookie(false));
    }

    #[test]
    fn clear_cookie_expires_now() {
        assert_eq!(
            clear_cookie(true),
            "letterbox_token=; Max-Age=0; Path=/api; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(!clear_cookie(false).contains("Secure"));
    }

    #[test]
    fn bearer_wins_over_cookie() {
        let got = token_from_request(Some("Bearer abc.def.ghi"), Some("letterbox_token=zzz"));
        assert_eq!(got, Some(("abc.def.ghi".to_owned(), TokenSource::Bearer)));
        let got = token_from_request(Some("bearer   abc"), None);
        assert_eq!(got, Some(("abc".to_owned(), TokenSource::Bearer)));
    }

    #[test]
    fn cookie_is_found_among_others() {
        let got = token_from_request(
            None,
            Some("theme=dark; letterbox_token=x.y.z; letterbox_token=other"),
        );
        assert_eq!(got, Some(("x.y.z".to_owned(), TokenSource::Cookie)));
        let got = token_from_request(
            Some("Basic dXNlcjpwYXNz"),
            Some("letterbox_token=\"q.r.s\""),
        );
        assert_eq!(got, Some(("q.r.s".to_owned(), TokenSource::Cookie)));
    }

    #[test]
    fn absent_or_empty_tokens() {
        assert_eq!(token_from_request(None, None), None);
        assert_eq!(token_from_request(Some("Bearer "), None), None);
        assert_eq!(token_from_request(Some("Bearer"), None), None);
        assert_eq!(token_from_request(None, Some("letterbox_token=")), None);
        assert_eq!(
            token_from_request(None, Some("xletterbox_token=a; other=b")),
            None
        );
        assert_eq!(token_from_request(None, Some(";;=;garbage")), None);
    }
}
