//! Every way a request can fail, one variant per HTTP status, and the JSON
//! body each one is answered with:
//! `{"error": "<code>", "message": "...", "fields": {"email": ["..."]}}`, plus
//! `"violations": [{"field", "rule", "message"}]` for a validation failure.

use http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::auth::TokenError;
use crate::store::StoreError;
use crate::validate::FieldError;

/// A request that cannot be answered with success. Each variant maps onto
/// exactly one HTTP status (see [`ApiError::status`]).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body (or a header it depends on) does not decode.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// 401: the route or form needs a logged-in user and no token came
    /// (or the login failed). Sent with `WWW-Authenticate: Bearer`.
    #[error("not logged in: {0}")]
    Unauthorized(String),
    /// 401: a token came but was not accepted. The detail (`TokenError`'s
    /// `Display`) is for the log only; clients get
    /// [`TokenError::PUBLIC_MESSAGE`] and
    /// `WWW-Authenticate: Bearer error="invalid_token"`.
    #[error("invalid token: {0}")]
    InvalidToken(TokenError),
    /// 403: logged in (or identified by origin) but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: unknown form or route.
    #[error("not found: {0}")]
    NotFound(String),
    /// 409: the thing to create exists already (a user name).
    #[error("conflict: {0}")]
    Conflict(String),
    /// 405: the route exists but not for this method; `allow` lists the
    /// methods it answers (sent as `Allow`).
    #[error("method not allowed (allowed: {allow})")]
    MethodNotAllowed { allow: &'static str },
    /// 413: the body is larger than `max_body_bytes`.
    #[error("body larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// 415: a content type the API does not read.
    #[error("unsupported content type: {0}")]
    UnsupportedType(String),
    /// 422: the submission breaks the form's rules.
    #[error("validation failed ({} problem(s))", .0.len())]
    Validation(Vec<FieldError>),
    /// 429: too many submissions from this address; retry after that many
    /// seconds (sent as `Retry-After`).
    #[error("rate limited, retry after {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// 503: the store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 503: the deployment is misconfigured (a bad variable or manifest).
    #[error("service misconfigured: {0}")]
    Misconfigured(String),
    /// 503: the site's form manifest is missing or unusable. Unlike other
    /// misconfigurations, the reason is told to the client: it names no
    /// secret, and it is what the site's owner needs to see.
    #[error("{0}")]
    ManifestUnavailable(String),
    /// 503: the CAPTCHA provider gave no verdict (down, slow, or the
    /// secret is wrong); nothing was stored.
    #[error("CAPTCHA verification unavailable: {0}")]
    CaptchaUnavailable(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Store(_)
            | Self::Misconfigured(_)
            | Self::ManifestUnavailable(_)
            | Self::CaptchaUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The machine-readable `error` code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_body",
            Self::Unauthorized(_) => "unauthorized",
            Self::InvalidToken(_) => "invalid_token",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::TooLarge { .. } => "payload_too_large",
            Self::UnsupportedType(_) => "unsupported_media_type",
            Self::Validation(_) => "validation_failed",
            Self::RateLimited { .. } => "rate_limited",
            Self::Store(_) => "store_unavailable",
            Self::Misconfigured(_) => "misconfigured",
            Self::ManifestUnavailable(_) => "manifest_unavailable",
            Self::CaptchaUnavailable(_) => "captcha_unavailable",
        }
    }

    /// The message shown to clients. Store and configuration details stay in
    /// the logs, not in the answer.
    pub fn public_message(&self) -> String {
        match self {
            Self::Store(_) => "the submission store is unavailable; nothing was saved".into(),
            Self::Misconfigured(_) => "the form service is misconfigured".into(),
            Self::CaptchaUnavailable(_) => {
                "the CAPTCHA cannot be verified right now; nothing was saved, please try again in a minute"
                    .into()
            }
            Self::InvalidToken(_) => TokenError::PUBLIC_MESSAGE.into(),
            other => other.to_string(),
        }
    }

    /// `{"email": ["...", ...]}` for a validation failure, grouped by field in
    /// the order reported.
    pub fn fields_json(&self) -> Option<Map<String, Value>> {
        let Self::Validation(errors) = self else {
            return None;
        };
        let mut fields = Map::new();
        for e in errors {
            let entry = fields
                .entry(e.field.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(Value::String(e.message.clone()));
            }
        }
        Some(fields)
    }

    /// `[{"field", "rule", "message"}, ...]` for a validation failure: the
    /// same problems as [`Self::fields_json`], with the broken rule named for
    /// scripts that react to it.
    pub fn violations_json(&self) -> Option<Vec<Value>> {
        let Self::Validation(errors) = self else {
            return None;
        };
        Some(
            errors
                .iter()
                .map(|e| json!({ "field": e.field, "rule": e.rule, "message": e.message }))
                .collect(),
        )
    }

    /// The JSON body of this error.
    pub fn body_json(&self) -> Value {
        let mut body = json!({ "error": self.code(), "message": self.public_message() });
        if let Value::Object(obj) = &mut body {
            if let Some(fields) = self.fields_json() {
                obj.insert("fields".into(), Value::Object(fields));
            }
            if let Some(violations) = self.violations_json() {
                obj.insert("violations".into(), Value::Array(violations));
            }
        }
        body
    }

    /// The complete JSON answer: status, `Content-Type`, `Allow` /
    /// `Retry-After` where they belong.
    pub fn to_response(&self) -> Response<Vec<u8>> {
        let mut resp = json_response(self.status(), &self.body_json());
        self.add_headers(&mut resp);
        resp
    }

    /// Adds `Allow`, `Retry-After` or `WWW-Authenticate` to an answer for
    /// this error (also used for the HTML answers).
    pub fn add_headers<B>(&self, resp: &mut Response<B>) {
        match self {
            Self::MethodNotAllowed { allow } => {
                resp.headers_mut()
                    .insert(ALLOW, HeaderValue::from_static(allow));
            }
            Self::RateLimited { retry_after } => {
                resp.headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            Self::Unauthorized(_) => {
                resp.headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::InvalidToken(_) => {
                resp.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            _ => {}
        }
    }
}

/// A JSON answer with `status`.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response<Vec<u8>> {
    // Serializing a `Value` cannot fail; fall back to an empty object anyway.
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(bytes);
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_group_by_field() {
        let err = ApiError::Validation(vec![
            FieldError {
                field: "email".into(),
                rule: "required",
                message: "a".into(),
            },
            FieldError {
                field: "message".into(),
                rule: "minlength",
                message: "b".into(),
            },
            FieldError {
                field: "email".into(),
                rule: "type",
                message: "c".into(),
            },
        ]);
        let resp = err.to_response();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(body["error"], "validation_failed");
        assert_eq!(body["fields"]["email"], json!(["a", "c"]));
        assert_eq!(body["fields"]["message"], json!(["b"]));
        assert_eq!(
            body["violations"],
            json!([
                {"field": "email", "rule": "required", "message": "a"},
                {"field": "message", "rule": "minlength", "message": "b"},
                {"field": "email", "rule": "type", "message": "c"},
            ])
        );
    }

    #[test]
    fn headers_for_405_and_429() {
        let resp = ApiError::MethodNotAllowed {
            allow: "POST, OPTIONS",
        }
        .to_response();
        assert_eq!(resp.headers()[ALLOW], "POST, OPTIONS");
        let resp = ApiError::RateLimited { retry_after: 17 }.to_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()[RETRY_AFTER], "17");
        let body: Value = serde_json::from_slice(resp.body()).unwrap();
        assert!(body.get("fields").is_none());
    }

    #[test]
    fn token_details_stay_private() {
        let resp =
            ApiError::InvalidToken(TokenError::UnknownKeyId("\"kid-42\"".into())).to_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            resp.headers()[WWW_AUTHENTICATE],
            "Bearer error=\"invalid_token\""
        );
        let body: Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(
            body,
            json!({"error": "invalid_token", "message": TokenError::PUBLIC_MESSAGE})
        );
        let resp = ApiError::Unauthorized("x".into()).to_response();
        assert_eq!(resp.headers()[WWW_AUTHENTICATE], "Bearer");
        assert_eq!(
            ApiError::Conflict("x".into()).status(),
            StatusCode::CONFLICT
        );
    }

    #[test]
    fn store_details_stay_private() {
        let resp = ApiError::Store(StoreError::new("disk at /secret/path full")).to_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!String::from_utf8_lossy(resp.body()).contains("/secret"));
    }
}
