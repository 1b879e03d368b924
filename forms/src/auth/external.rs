//! The external identity provider (Auth0, Cognito, Keycloak…): its keys and
//! what its tokens must say.

use super::error::AuthConfigError;
use super::jwks::Jwks;

/// The external identity provider: its keys and what its tokens must say.
#[derive(Clone, Debug)]
pub struct ExternalProvider {
    pub(super) jwks: Jwks,
    pub(super) issuer: String,
    pub(super) audience: ExternalAudience,
    /// The `role` claim value that makes an external user an admin; `None`:
    /// every external user is a member, whatever the claim says.
    pub(super) admin_role: Option<String>,
}

/// How an external token shows it was issued for this API.
#[derive(Clone, Debug)]
pub(super) enum ExternalAudience {
    /// Its `aud` is this (Auth0, Okta, Keycloak, Entra ID…).
    Aud(String),
    /// Its `client_id` claim is this: AWS Cognito access tokens carry no
    /// `aud`.
    ClientId(String),
}

impl ExternalProvider {
    /// `jwks_json` is the provider's JWKS document; `issuer` its exact `iss`
    /// (e.g. `https://tenant.eu.auth0.com/`), `audience` the `aud` its tokens
    /// for this API carry. Both are required: tokens the same provider issued
    /// for other applications must not be accepted.
    pub fn new(
        jwks_json: &str,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Result<Self, AuthConfigError> {
        let audience = audience.into();
        if audience.is_empty() {
            return Err(AuthConfigError::Empty("external audience"));
        }
        Self::with_audience(jwks_json, issuer.into(), ExternalAudience::Aud(audience))
    }

    /// A provider whose access tokens name this API by a `client_id` claim
    /// instead of `aud` (AWS Cognito): `client_id` must equal `client_id`.
    pub fn with_client_id(
        jwks_json: &str,
        issuer: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Result<Self, AuthConfigError> {
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(AuthConfigError::Empty("external client_id"));
        }
        Self::with_audience(
            jwks_json,
            issuer.into(),
            ExternalAudience::ClientId(client_id),
        )
    }

    fn with_audience(
        jwks_json: &str,
        issuer: String,
        audience: ExternalAudience,
    ) -> Result<Self, AuthConfigError> {
        if issuer.is_empty() {
            return Err(AuthConfigError::Empty("external issuer"));
        }
        Ok(ExternalProvider {
            jwks: Jwks::parse(jwks_json)?,
            issuer,
            audience,
            admin_role: None,
        })
    }

    /// The value of the `role` claim (a string, or an array of strings
    /// holding it) that makes an external user an admin. Without one (or
    /// with an empty one), every external user is a member: a provider's
    /// idea of `admin` is not Letterbox's unless the site says so.
    pub fn with_admin_role(mut self, admin_role: Option<String>) -> Self {
        self.admin_role = admin_role.filter(|r| !r.is_empty());
        self
    }

    /// The parsed key set.
    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }
}
