//! Building answers: the headers every answer carries (security, CORS),
//! the preflight, redirects that stay on the site, and the HTML error page
//! a browser gets for a failed post.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    CACHE_CONTROL, CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY_HEADER, CONTENT_TYPE,
    REFERRER_POLICY, VARY, X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderValue, Response, StatusCode};
use url::Url;

use crate::config::Config;
use crate::error::ApiError;
use crate::schema::Form;
use crate::store::StoreError;
use crate::text::escape_html;

/// Methods and headers a preflight allows (for every `/api` route).
const PREFLIGHT_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
const PREFLIGHT_HEADERS: &str = "Accept, Authorization, Content-Type";
const PREFLIGHT_MAX_AGE: &str = "600";
/// Response headers scripts of an allowed origin may read.
const EXPOSE_HEADERS: &str = "Content-Disposition, Retry-After, WWW-Authenticate";

/// The content security policy of every answer: nothing loads, nothing
/// frames it (the HTML error page has no script, style or image).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

pub(super) fn preflight(config: &Config, origin: Option<&str>) -> Response<Vec<u8>> {
    match origin {
        Some(origin) if config.origin_allowed(origin) => {
            let mut resp = Response::new(Vec::new());
            *resp.status_mut() = StatusCode::NO_CONTENT;
            let h = resp.headers_mut();
            h.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(PREFLIGHT_METHODS),
            );
            h.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(PREFLIGHT_HEADERS),
            );
            h.insert(
                ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE),
            );
            resp
        }
        _ => ApiError::Forbidden("origin not allowed".into()).to_response(),
    }
}

/// `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and
/// [`CONTENT_SECURITY_POLICY`], which every answer carries.
pub(super) fn with_security_headers(mut resp: Response<Vec<u8>>) -> Response<Vec<u8>> {
    let h = resp.headers_mut();
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        CONTENT_SECURITY_POLICY_HEADER,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    resp
}

/// Headers every answer gets: `Vary: Origin`, `Cache-Control: no-store`
/// (unless the route chose a caching policy, as the public published
/// entries do), the security headers, and the CORS grant for an allowed
/// origin.
pub(super) fn finish(
    resp: Response<Vec<u8>>,
    config: &Config,
    origin: Option<&str>,
) -> Response<Vec<u8>> {
    let mut resp = with_security_headers(resp);
    let h = resp.headers_mut();
    h.append(VARY, HeaderValue::from_static("Origin"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(origin) = origin
        && config.origin_allowed(origin)
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
        h.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        h.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
    resp
}

pub(super) fn log_store_error(e: &StoreError) {
    eprintln!("letterbox: {e}");
}

// ---------------------------------------------------------------- redirects

/// `target` as an absolute URL on the site's origin, or `None` when it would
/// leave it (other origins, `//host`, backslashes, control characters,
/// non-http schemes, relative paths).
pub(super) fn same_origin_target(config: &Config, target: &str) -> Option<Url> {
    if target.is_empty()
        || target.contains('\\')
        || target.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let url = if target.starts_with('/') {
        if target.starts_with("//") {
            return None;
        }
        Url::parse(&format!("{}{}", config.site_origin, target)).ok()?
    } else {
        Url::parse(target).ok()?
    };
    (url.origin().ascii_serialization() == config.site_origin
        && url.username().is_empty()
        && url.password().is_none())
    .then_some(url)
}

/// Where a browser goes after a successful post: the form's `redirect` if it
/// stays on the site, else back to the page it came from (the `Referer`, if
/// on the site) with `?sent=1`, else the site's home.
pub(super) fn success_location(config: &Config, form: &Form, referer: Option<&str>) -> String {
    if let Some(url) = form
        .redirect
        .as_deref()
        .and_then(|r| same_origin_target(config, r))
    {
        return url.to_string();
    }
    if let Some(mut url) = referer.and_then(|r| same_origin_target(config, r)) {
        url.set_query(Some("sent=1"));
        url.set_fragment(None);
        return url.to_string();
    }
    home(config)
}

fn home(config: &Config) -> String {
    format!("{}/", config.site_origin)
}

/// The page to go back to from an error page.
fn back_link(config: &Config, referer: Option<&str>) -> String {
    match referer.and_then(|r| same_origin_target(config, r)) {
        Some(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        None => home(config),
    }
}

// ---------------------------------------------------------------- HTML

/// The answer to a browser whose post failed: a small page saying what to
/// fix, with a link back to the form. Same status and headers as the JSON.
pub(super) fn error_page(
    error: &ApiError,
    config: &Config,
    form: &Form,
    referer: Option<&str>,
) -> Response<Vec<u8>> {
    let title = match error {
        ApiError::Validation(_) => "Please check the form",
        ApiError::RateLimited { .. } => "Too many submissions",
        ApiError::Store(_) | ApiError::Misconfigured(_) => "The form could not be sent",
        _ => "The form could not be sent",
    };
    let mut items = String::new();
    match error {
        ApiError::Validation(errors) => {
            for e in errors {
                let label = form
                    .field(&e.field)
                    .map_or(e.field.as_str(), |f| f.name.as_str());
                items.push_str(&format!(
                    "<li><strong>{}</strong>: {}</li>\n",
                    escape_html(label),
                    escape_html(&e.message)
                ));
            }
        }
        other => items.push_str(&format!(
            "<li>{}</li>\n",
            escape_html(&other.public_message())
        )),
    }
    let back = back_link(config, referer);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><title>{title}</title></head>\n<body>\n<main>\n\
<h1>{title}</h1>\n<ul>\n{items}</ul>\n<p><a href=\"{back}\">Back to the form</a></p>\n</main>\n</body>\n</html>\n",
        title = escape_html(title),
        back = escape_html(&back),
    );
    let mut resp = Response::new(html.into_bytes());
    *resp.status_mut() = error.status();
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    error.add_headers(&mut resp);
    resp
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_lookup(|name| match name {
            "jwt_secret" => Some("0123456789abcdef0123456789abcdef".into()),
            "site_url" => Some("https://site.example".into()),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn redirect_targets_stay_on_the_site() {
        let c = config();
        let ok = |t: &str| same_origin_target(&c, t).map(|u| u.to_string());
        assert_eq!(
            ok("/thanks/").as_deref(),
            Some("https://site.example/thanks/")
        );
        assert_eq!(
            ok("https://site.example/a?b=1").as_deref(),
            Some("https://site.example/a?b=1")
        );
        for evil in [
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "https://site.example.evil.example/",
            "https://site.example@evil.example/",
            "https://user@site.example/",
            "http://site.example/",
            "javascript:alert(1)",
            "data:text/html,x",
            "/\t/evil.example",
            "/\n/evil.example",
            " //evil.example",
            "thanks",
            "",
        ] {
            assert_eq!(ok(evil), None, "{evil:?}");
        }
    }
}
