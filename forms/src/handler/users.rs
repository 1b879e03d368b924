//! The user administration: `/api/users` (create, list) and
//! `/api/users/{name}` (change, delete). Every route here first checks for
//! an admin who may manage users (`require_user_manager`).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::json;

use super::context::Context;
use super::guard::{hash, is_valid_username, password_problem, require_user_manager};
use super::request::read_form_data;
use super::response::log_store_error;
use crate::auth::Role;
use crate::error::{ApiError, json_response};
use crate::store::{Store, User};
use crate::validate::FieldError;

/// `POST /api/users`: `{"username", "password", "role"}` (role `admin` or
/// `member`, default `member`) → `201 {"username", "role"}`. The password is
/// stored as an argon2id hash only. 422 for a bad name, password or role;
/// 409 when the user exists (or is the `admin_username` of the config):
/// users are never replaced through this route.
pub(super) async fn create_user<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_user_manager(req, ctx).await?;
    let data = read_form_data(req).await?;
    let username = data.values("username").next().unwrap_or("");
    let password = data.values("password").next().unwrap_or("");
    let role_text = data.values("role").next().unwrap_or("member");

    let mut errors = Vec::new();
    if !is_valid_username(username) {
        errors.push(FieldError::new(
            "username",
            "pattern",
            "Use 1 to 64 letters, digits, `.`, `_`, `@` or `-`, starting with a letter or digit.",
        ));
    }
    errors.extend(password_problem("password", password));
    let role = Role::parse(role_text);
    if role.is_none() {
        errors.push(FieldError::new(
            "role",
            "option",
            "The role must be `admin` or `member`.",
        ));
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };

    let exists = || ApiError::Conflict(format!("a user named `{username}` exists already"));
    // A cheap look first, so a taken name costs no password hash; the
    // conditional write below settles simultaneous creates.
    let taken = (ctx.store.get_user(username).await).inspect_err(log_store_error)?;
    if ctx.config.admin_username.as_deref() == Some(username) || taken.is_some() {
        return Err(exists());
    }
    let password_hash = hash(password)?;
    let user = User {
        username: username.to_owned(),
        password_hash,
        role: role.as_str().to_owned(),
    };
    // One conditional write: of two simultaneous creates, one gets 409.
    let created = (ctx.store.create_user(&user).await).inspect_err(log_store_error)?;
    if !created {
        return Err(exists());
    }
    eprintln!(
        "letterbox: {} created user `{}` ({})",
        admin.sub, user.username, user.role
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "username": user.username, "role": user.role }),
    ))
}

/// 409 for the configured first admin, who lives in the variables.
fn not_the_configured_admin<S>(ctx: &Context<'_, S>, name: &str) -> Result<(), ApiError> {
    if ctx.config.admin_username.as_deref() == Some(name) {
        return Err(ApiError::Conflict(format!(
            "`{name}` is the admin of the admin_username variable; change the variables instead"
        )));
    }
    Ok(())
}

/// `GET /api/users`: `{"users": [{"username", "role"}]}` by name; the
/// configured first admin comes first, with `"configured": true`.
pub(super) async fn list_users<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_user_manager(req, ctx).await?;
    let mut users = Vec::new();
    if let (Some(name), Some(_)) = (&ctx.config.admin_username, &ctx.config.admin_password_hash) {
        users.push(json!({"username": name, "role": "admin", "configured": true}));
    }
    for user in (ctx.store.list_users().await).inspect_err(log_store_error)? {
        users.push(json!({
            "username": user.username,
            "role": user.role().as_str(),
        }));
    }
    Ok(json_response(StatusCode::OK, &json!({ "users": users })))
}

/// `PATCH /api/users/{name}`: `{"role"}` and/or `{"password"}` →
/// `200 {"username", "role"}`. Either ends every token the user had (their
/// credential version changes). 404 for no such user, 409 for the
/// configured first admin, 422 for a bad role or password.
pub(super) async fn update_user<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    name: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_user_manager(req, ctx).await?;
    not_the_configured_admin(ctx, name)?;
    let data = read_form_data(req).await?;
    let role_text = data.values("role").next();
    let password = data.values("password").next();
    let mut errors = Vec::new();
    let role = match role_text {
        None => None,
        Some(text) => {
            let role = Role::parse(text);
            if role.is_none() {
                errors.push(FieldError::new(
                    "role",
                    "option",
                    "The role must be `admin` or `member`.",
                ));
            }
            role
        }
    };
    if let Some(password) = password {
        errors.extend(password_problem("password", password));
    }
    if role_text.is_none() && password.is_none() {
        return Err(ApiError::Malformed(
            "send a `role`, a `password` or both".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let no_user = || ApiError::NotFound("no such user".into());
    let found = if is_valid_username(name) {
        (ctx.store.get_user(name).await).inspect_err(log_store_error)?
    } else {
        None
    };
    let Some(mut user) = found else {
        return Err(no_user());
    };
    if let Some(role) = role {
        user.role = role.as_str().to_owned();
    }
    if let Some(password) = password {
        user.password_hash = hash(password)?;
    }
    if !(ctx.store.update_user(&user).await).inspect_err(log_store_error)? {
        return Err(no_user());
    }
    eprintln!(
        "letterbox: {} changed user `{}` ({}{})",
        admin.sub,
        user.username,
        user.role,
        if password.is_some() {
            ", new password"
        } else {
            ""
        }
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "username": user.username, "role": user.role }),
    ))
}

/// `DELETE /api/users/{name}`: 204; the user's tokens stop working at once.
/// 404 for no such user, 409 for the configured first admin.
pub(super) async fn delete_user<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    name: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_user_manager(req, ctx).await?;
    not_the_configured_admin(ctx, name)?;
    let deleted = is_valid_username(name)
        && (ctx.store.delete_user(name).await).inspect_err(log_store_error)?;
    if !deleted {
        return Err(ApiError::NotFound("no such user".into()));
    }
    eprintln!("letterbox: {} deleted user `{name}`", admin.sub);
    let mut resp = Response::new(Vec::new());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}
