//! Who a token is for: roles, providers, and the claims issued and verified.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and deletes submissions, creates users.
    Admin,
    /// Can submit forms that need login.
    Member,
}

impl Role {
    /// `"admin"` or `"member"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// The role named exactly `"admin"` or `"member"`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a self-issued token is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimsInput {
    /// The user name (`sub`); must not be empty.
    pub sub: String,
    /// The user's role.
    pub role: Role,
    /// The user's credential version (`ver`), checked against the store on
    /// admin and member routes so that changing a password, a role or
    /// deleting the user ends the tokens issued before.
    pub ver: Option<String>,
}

/// Who signed a verified token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// HS256 with `jwt_secret`: a Letterbox login.
    Local,
    /// RS256/ES256 with a JWKS key: the external identity provider.
    External,
}

/// The claims of a token that passed every check (what `GET /api/auth/me`
/// can return as JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifiedClaims {
    /// The user (`sub`), never empty.
    pub sub: String,
    /// The role; for external tokens `admin` only when the `role` claim is
    /// the configured admin role (`jwks_admin_role`), else `member`.
    pub role: Role,
    /// The issuer (`iss`).
    pub iss: String,
    /// Issued-at (`iat`), seconds since the epoch, when present.
    pub iat: Option<u64>,
    /// Expiry (`exp`), seconds since the epoch; always present.
    pub exp: u64,
    /// Who signed it.
    pub provider: Provider,
    /// The credential version of a self-issued token (`ver`).
    #[serde(skip)]
    pub ver: Option<String>,
}

impl VerifiedClaims {
    /// Whether the user is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}
