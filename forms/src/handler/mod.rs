//! The API's request handler over plain `http` types: routing, CORS, body
//! limits, and the submission flow. Adapters (the Spin component, `letterbox
//! serve`) read the body with [`collect_limited`], build a [`Context`] and
//! call [`handle`]:
//!
//! ```ignore
//! let body = match collect_limited(req.headers(), body, config.max_body_bytes).await {
//!     Ok(bytes) => bytes,
//!     Err(e) => return error_response(&e, &config, origin),
//! };
//! let ctx = Context { config: &config, manifest: &manifest, store: &store, clock: &SystemClock, outbound: &NoOutbound };
//! let response = handle(http::Request::from_parts(parts, body), &ctx).await;
//! ```
//!
//! Adding a route: a line in [`route`] (path and methods) and an arm in
//! [`dispatch`]. The files below this one never import it:
//!
//! - `context`: [`Context`] and the [`Clock`];
//! - `request`: reading the body, headers and the client's address;
//! - `response`: CORS and security headers, redirects, the HTML error page;
//! - `guard`: the authenticator and the token checks routes start with;
//! - `submit`: the submission flow;
//! - `auth`: login, logout, `me`, password change;
//! - `admin`: forms and submissions, `export`: their CSV export;
//! - `moderation`: moving submissions between folders (spam, approval);
//! - `published`: a moderated form's approved entries, for the public;
//! - `person`: finding or erasing one person's submissions;
//! - `outbox`: the notifications waiting for delivery;
//! - `retention`: deleting submissions past their form's retention;
//! - `users`: the user administration.

use bytes::Bytes;
use http::header::ORIGIN;
use http::{Method, Request, Response, StatusCode};
use serde_json::json;

use crate::config::Config;
use crate::error::{ApiError, json_response};
use crate::store::Store;
use crate::text::percent_decode;

mod admin;
mod auth;
mod context;
mod export;
mod guard;
mod moderation;
mod outbox;
mod person;
mod published;
mod request;
mod response;
mod retention;
mod submit;
mod users;

/// Kept at its old path for the generator: [`crate::text::escape_html`].
pub use crate::text::escape_html;
pub use context::{Clock, Context, FixedClock, SystemClock};
pub use guard::{authenticator, credential_version};
pub use request::{CLIENT_ADDR_HEADER, collect_limited};
pub use response::CONTENT_SECURITY_POLICY;

use request::{header_str, truncate};
use response::{finish, log_store_error, preflight, with_security_headers};

/// Handles one request whose body was read with [`collect_limited`].
/// Never panics; every failure is an answer with its status.
pub async fn handle<S: Store>(req: Request<Bytes>, ctx: &Context<'_, S>) -> Response<Vec<u8>> {
    let origin = header_str(req.headers(), ORIGIN).map(str::to_owned);
    let resp = if req.method() == Method::OPTIONS && is_api_path(req.uri().path()) {
        preflight(ctx.config, origin.as_deref())
    } else {
        match route(req.method(), req.uri().path()) {
            Ok(route) => match dispatch(route, &req, ctx).await {
                Ok(resp) => resp,
                Err(e) => e.to_response(),
            },
            Err(e) => e.to_response(),
        }
    };
    finish(resp, ctx.config, origin.as_deref())
}

/// An error answer with the CORS headers [`handle`] would add, for adapters
/// that fail before calling it (body too large, misconfiguration).
pub fn error_response(
    error: &ApiError,
    config: Option<&Config>,
    origin: Option<&str>,
) -> Response<Vec<u8>> {
    let resp = error.to_response();
    match config {
        Some(config) => finish(resp, config, origin),
        None => with_security_headers(resp),
    }
}

/// A matched route.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Health,
    Submit {
        form: String,
    },
    Login,
    Logout,
    Me,
    ChangePassword,
    CreateUser,
    ListUsers,
    UpdateUser {
        name: String,
    },
    DeleteUser {
        name: String,
    },
    ListForms,
    UpgradeStore,
    ListSubmissions {
        form: String,
    },
    DeleteSubmission {
        form: String,
        id: String,
    },
    Act {
        form: String,
        id: String,
        action: moderation::Action,
    },
    Bulk {
        form: String,
    },
    Published {
        form: String,
    },
    ErasePerson,
    ExportPerson,
    ListOutbox,
    RetryOutbox,
    DeleteOutbox {
        id: String,
    },
}

/// Matches a path and method to a route: 404 for an unknown path, 405 (with
/// `Allow`) for a known path and another method.
// Long: the route table, one arm per path, read top to bottom; split up,
// the order in which paths are tried would be harder to see.
fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
    let only = |allowed: &[Method], allow: &'static str, route: Route| {
        if allowed.contains(method) {
            Ok(route)
        } else {
            Err(ApiError::MethodNotAllowed { allow })
        }
    };
    match segments.as_slice() {
        ["api", "health"] => only(&[Method::GET], "GET, OPTIONS", Route::Health),
        ["api", "auth", "login"] => only(&[Method::POST], "POST, OPTIONS", Route::Login),
        ["api", "auth", "logout"] => only(&[Method::POST], "POST, OPTIONS", Route::Logout),
        ["api", "auth", "me"] => only(&[Method::GET], "GET, OPTIONS", Route::Me),
        ["api", "auth", "password"] => {
            only(&[Method::POST], "POST, OPTIONS", Route::ChangePassword)
        }
        ["api", "users"] => match *method {
            Method::POST => Ok(Route::CreateUser),
            Method::GET => Ok(Route::ListUsers),
            _ => Err(ApiError::MethodNotAllowed {
                allow: "GET, POST, OPTIONS",
            }),
        },
        ["api", "users", name] => {
            let name = percent_decode(name)
                .ok()
                .filter(|n| !n.is_empty())
                .ok_or_else(|| ApiError::NotFound("no such user".into()))?;
            match *method {
                Method::PATCH => Ok(Route::UpdateUser { name }),
                Method::DELETE => Ok(Route::DeleteUser { name }),
                _ => Err(ApiError::MethodNotAllowed {
                    allow: "PATCH, DELETE, OPTIONS",
                }),
            }
        }
        ["api", "forms"] => only(&[Method::GET], "GET, OPTIONS", Route::ListForms),
        ["api", "admin", "upgrade-store"] => {
            only(&[Method::POST], "POST, OPTIONS", Route::UpgradeStore)
        }
        ["api", "forms", form] => {
            let form = form_segment(form)?;
            only(&[Method::POST], "POST, OPTIONS", Route::Submit { form })
        }
        ["api", "forms", form, "submissions"] => {
            let form = form_segment(form)?;
            only(
                &[Method::GET],
                "GET, OPTIONS",
                Route::ListSubmissions { form },
            )
        }
        ["api", "forms", form, "submissions", id] => {
            let form = form_segment(form)?;
            let id = id_segment(id, "no such submission")?;
            only(
                &[Method::DELETE],
                "DELETE, OPTIONS",
                Route::DeleteSubmission { form, id },
            )
        }
        ["api", "forms", form, "submissions", id, action] => {
            let action = moderation::Action::parse(action)
                .filter(|a| *a != moderation::Action::Delete)
                .ok_or_else(|| {
                    ApiError::NotFound(format!("no route for {}", truncate(path, 200)))
                })?;
            let form = form_segment(form)?;
            let id = id_segment(id, "no such submission")?;
            only(
                &[Method::POST],
                "POST, OPTIONS",
                Route::Act { form, id, action },
            )
        }
        ["api", "forms", form, "bulk"] => {
            let form = form_segment(form)?;
            only(&[Method::POST], "POST, OPTIONS", Route::Bulk { form })
        }
        ["api", "forms", form, "published"] => {
            let form = form_segment(form)?;
            only(&[Method::GET], "GET, OPTIONS", Route::Published { form })
        }
        ["api", "admin", "erase"] => only(&[Method::POST], "POST, OPTIONS", Route::ErasePerson),
        ["api", "admin", "person"] => only(&[Method::POST], "POST, OPTIONS", Route::ExportPerson),
        ["api", "outbox"] => only(&[Method::GET], "GET, OPTIONS", Route::ListOutbox),
        ["api", "outbox", "retry"] => only(&[Method::POST], "POST, OPTIONS", Route::RetryOutbox),
        ["api", "outbox", id] => {
            let id = id_segment(id, "no such outbox entry")?;
            only(
                &[Method::DELETE],
                "DELETE, OPTIONS",
                Route::DeleteOutbox { id },
            )
        }
        _ => Err(ApiError::NotFound(format!(
            "no route for {}",
            truncate(path, 200)
        ))),
    }
}

fn id_segment(segment: &str, missing: &str) -> Result<String, ApiError> {
    percent_decode(segment)
        .ok()
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::NotFound(missing.into()))
}

fn form_segment(segment: &str) -> Result<String, ApiError> {
    percent_decode(segment)
        .ok()
        .filter(|f| !f.is_empty())
        .ok_or_else(|| ApiError::NotFound("no such form".into()))
}

async fn dispatch<S: Store>(
    route: Route,
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    match route {
        Route::Health => {
            ctx.store.ping().await.inspect_err(log_store_error)?;
            let forms: Vec<&str> = ctx.manifest.forms.keys().map(String::as_str).collect();
            Ok(json_response(
                StatusCode::OK,
                &json!({
                    "status": "ok",
                    "store": "ok",
                    "manifest": {
                        "version": ctx.manifest.version,
                        "sha256": ctx.manifest.digest(),
                        "forms": forms,
                    },
                }),
            ))
        }
        Route::Submit { form } => Ok(submit::submit(req, ctx, &form).await),
        Route::Login => auth::login(req, ctx).await,
        Route::Logout => auth::logout(req, ctx),
        Route::Me => auth::me(req, ctx).await,
        Route::ChangePassword => auth::change_password(req, ctx).await,
        Route::ListUsers => users::list_users(req, ctx).await,
        Route::UpdateUser { name } => users::update_user(req, ctx, &name).await,
        Route::DeleteUser { name } => users::delete_user(req, ctx, &name).await,
        Route::CreateUser => users::create_user(req, ctx).await,
        Route::ListForms => admin::list_forms(req, ctx).await,
        Route::UpgradeStore => admin::upgrade_store(req, ctx).await,
        Route::ListSubmissions { form } => admin::list_submissions(req, ctx, &form).await,
        Route::DeleteSubmission { form, id } => {
            admin::delete_submission(req, ctx, &form, &id).await
        }
        Route::Act { form, id, action } => moderation::act(req, ctx, &form, &id, action).await,
        Route::Bulk { form } => moderation::bulk(req, ctx, &form).await,
        Route::Published { form } => published::published(req, ctx, &form).await,
        Route::ErasePerson => person::erase(req, ctx).await,
        Route::ExportPerson => person::person(req, ctx).await,
        Route::ListOutbox => outbox::list_outbox(req, ctx).await,
        Route::RetryOutbox => outbox::retry_outbox(req, ctx).await,
        Route::DeleteOutbox { id } => outbox::delete_outbox(req, ctx, &id).await,
    }
}

fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route(&Method::GET, "/api/health").unwrap(), Route::Health);
        assert_eq!(
            route(&Method::POST, "/api/forms/contact/").unwrap(),
            Route::Submit {
                form: "contact".into()
            }
        );
        assert_eq!(
            route(&Method::POST, "/api/forms/caf%C3%A9").unwrap(),
            Route::Submit {
                form: "café".into()
            }
        );
        assert!(matches!(
            route(&Method::POST, "/api/forms/%FF"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::POST, "/api/forms/%4"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/api/forms/contact"),
            Err(ApiError::MethodNotAllowed {
                allow: "POST, OPTIONS"
            })
        ));
        assert!(matches!(
            route(&Method::POST, "/api/health"),
            Err(ApiError::MethodNotAllowed { .. })
        ));
        assert!(matches!(
            route(&Method::POST, "/api/forms/a/b"),
            Err(ApiError::NotFound(_))
        ));
        assert_eq!(
            route(&Method::POST, "/api/auth/login").unwrap(),
            Route::Login
        );
        assert_eq!(
            route(&Method::POST, "/api/auth/logout").unwrap(),
            Route::Logout
        );
        assert_eq!(route(&Method::GET, "/api/auth/me").unwrap(), Route::Me);
        assert_eq!(
            route(&Method::POST, "/api/users").unwrap(),
            Route::CreateUser
        );
        assert_eq!(route(&Method::GET, "/api/users").unwrap(), Route::ListUsers);
        assert_eq!(
            route(&Method::DELETE, "/api/users/mia").unwrap(),
            Route::DeleteUser { name: "mia".into() }
        );
        assert_eq!(
            route(&Method::PATCH, "/api/users/mia").unwrap(),
            Route::UpdateUser { name: "mia".into() }
        );
        assert_eq!(
            route(&Method::POST, "/api/auth/password").unwrap(),
            Route::ChangePassword
        );
        assert_eq!(route(&Method::GET, "/api/forms").unwrap(), Route::ListForms);
        assert_eq!(
            route(&Method::GET, "/api/forms/contact/submissions").unwrap(),
            Route::ListSubmissions {
                form: "contact".into()
            }
        );
        assert_eq!(
            route(&Method::DELETE, "/api/forms/contact/submissions/x-1").unwrap(),
            Route::DeleteSubmission {
                form: "contact".into(),
                id: "x-1".into()
            }
        );
        for (method, path, allow) in [
            (Method::GET, "/api/auth/login", "POST, OPTIONS"),
            (Method::POST, "/api/auth/me", "GET, OPTIONS"),
            (Method::PUT, "/api/users", "GET, POST, OPTIONS"),
            (Method::GET, "/api/users/mia", "PATCH, DELETE, OPTIONS"),
            (Method::GET, "/api/auth/password", "POST, OPTIONS"),
            (Method::POST, "/api/forms", "GET, OPTIONS"),
            (Method::DELETE, "/api/forms/c/submissions", "GET, OPTIONS"),
            (Method::GET, "/api/forms/c/submissions/x", "DELETE, OPTIONS"),
        ] {
            match route(&method, path) {
                Err(ApiError::MethodNotAllowed { allow: got }) => assert_eq!(got, allow, "{path}"),
                other => panic!("{method} {path}: {other:?}"),
            }
        }
        assert!(matches!(
            route(&Method::GET, "/api/forms/c/submissions/x/y"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/"),
            Err(ApiError::NotFound(_))
        ));
    }
}
