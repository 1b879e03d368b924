//! The API's configuration: every Spin variable of the design, read through
//! a lookup function so the Spin adapter (`spin_sdk::variables`), `letterbox
//! serve` and tests all feed it the same way.

/// The URL type [`Config::builder`] takes, re-exported so that callers need
/// no `url` dependency of their own.
pub use url::Url;

mod error;
mod services;

pub use error::ConfigError;
use error::invalid;

pub use services::{
    DEFAULT_AKISMET_URL, DEFAULT_AUTOREPLY_PER_ADDRESS_PER_DAY, DEFAULT_AUTOREPLY_PER_FORM_PER_DAY,
    DEFAULT_EMAIL_API_URL, DEFAULT_HCAPTCHA_VERIFY_URL, DEFAULT_OUTBOUND_TIMEOUT_MS,
    DEFAULT_RECAPTCHA_VERIFY_URL, DEFAULT_TURNSTILE_VERIFY_URL, Services,
};

/// Every variable [`Config::from_lookup`] reads, as declared in `spin.toml`.
pub const VARIABLES: &[&str] = &[
    "jwt_secret",
    "store",
    "site_url",
    "allowed_origins",
    "max_body_bytes",
    "rate_limit_per_minute",
    "ipv6_prefix_len",
    "jwt_ttl_seconds",
    "jwt_issuer",
    "jwt_audience",
    "jwks",
    "jwks_issuer",
    "jwks_audience",
    "jwks_client_id",
    "jwks_admin_role",
    "jwks_admins_manage_users",
    "admin_username",
    "admin_password_hash",
    "webhook_secret",
    "email_api_url",
    "email_api_key",
    "captcha_secret",
    "captcha_verify_url",
    "akismet_key",
    "akismet_url",
    "outbound_timeout_ms",
    "autoreply_per_address_per_day",
    "autoreply_per_form_per_day",
    "build_hook_url",
];

pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 10;
pub const DEFAULT_JWT_TTL_SECONDS: u64 = 3600;
/// IPv6 clients are rate limited by their network of this many bits.
pub const DEFAULT_IPV6_PREFIX_LEN: u8 = 64;
pub const DEFAULT_JWT_ISSUER: &str = "letterbox";
pub const DEFAULT_JWT_AUDIENCE: &str = "letterbox";
/// HS256 keys shorter than this are refused: every route that needs auth
/// then answers 503 (public form posts keep working).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Which Spin store the component writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreKind {
    /// Spin SQLite (`sqlite_databases = ["default"]`): 2 round trips per
    /// submission, indexed listing and counts. The default.
    #[default]
    Sqlite,
    /// Spin key-value (`key_value_stores = ["default"]`).
    Kv,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// HS256 signing key as configured; `None` when unset or empty. It is
    /// not checked here: a missing or short (< [`MIN_JWT_SECRET_BYTES`])
    /// secret makes the auth routes, admin routes and member-only forms
    /// answer 503 (see `handler::auth`), while public forms keep working.
    pub jwt_secret: Option<String>,
    pub store: StoreKind,
    /// The public site, e.g. `https://example.com`; redirects only ever go
    /// to its origin.
    pub site_url: Url,
    /// `scheme://host[:port]` of `site_url`.
    pub site_origin: String,
    /// Exact origins allowed for CORS (and for browser posts); defaults to
    /// the site's own origin.
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// Submissions per client address, form and minute; 0 disables.
    pub rate_limit_per_minute: u32,
    /// IPv6 clients count as one per network of this many leading bits
    /// (0 to 128; default 64, a typical single site's allocation).
    pub ipv6_prefix_len: u8,
    pub jwt_ttl_seconds: u64,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// A JWKS document (JSON) for tokens of an external identity provider.
    pub jwks: Option<String>,
    /// The exact `iss` of the external provider's tokens (required with
    /// `jwks`), e.g. `https://tenant.eu.auth0.com/`.
    pub jwks_issuer: Option<String>,
    /// The `aud` the external provider's tokens for this API carry
    /// (required with `jwks`).
    pub jwks_audience: Option<String>,
    /// The `client_id` claim AWS Cognito access tokens must carry (instead
    /// of `jwks_audience`).
    pub jwks_client_id: Option<String>,
    /// The value of an external token's `role` claim that makes its user an
    /// admin; `None` (the default): every external user is a member.
    pub jwks_admin_role: Option<String>,
    /// Whether external admins may create, change and delete local users
    /// (default: no, they manage submissions only).
    pub jwks_admins_manage_users: bool,
    pub admin_username: Option<String>,
    /// Argon2 PHC string of the first admin's password.
    pub admin_password_hash: Option<String>,
    /// Outbound requests: notifications, CAPTCHA and spam checks.
    pub services: Services,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("jwt_secret", &"<redacted>")
            .field("store", &self.store)
            .field("site_url", &self.site_url.as_str())
            .field("allowed_origins", &self.allowed_origins)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("ipv6_prefix_len", &self.ipv6_prefix_len)
            .field("jwt_ttl_seconds", &self.jwt_ttl_seconds)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("jwks", &self.jwks.as_ref().map(|_| "<set>"))
            .field("jwks_issuer", &self.jwks_issuer)
            .field("jwks_audience", &self.jwks_audience)
            .field("jwks_client_id", &self.jwks_client_id)
            .field("jwks_admin_role", &self.jwks_admin_role)
            .field("jwks_admins_manage_users", &self.jwks_admins_manage_users)
            .field("admin_username", &self.admin_username)
            .field(
                "admin_password_hash",
                &self.admin_password_hash.as_ref().map(|_| "<set>"),
            )
            .field("services", &self.services)
            .finish()
    }
}

impl Config {
    /// A configuration for the site at `site_url` (an http(s) URL with a
    /// host), every other setting at its default; set the others on the
    /// [`ConfigBuilder`] with typed values. This is how `letterbox serve`
    /// and tests build one; [`Config::from_lookup`] builds one from the Spin
    /// variables the same way.
    pub fn builder(site_url: Url) -> Result<ConfigBuilder, ConfigError> {
        if !matches!(site_url.scheme(), "http" | "https") || site_url.host_str().is_none() {
            return Err(invalid("site_url", "must be an http(s) URL with a host"));
        }
        let site_origin = site_url.origin().ascii_serialization();
        Ok(ConfigBuilder(Self {
            jwt_secret: None,
            store: StoreKind::default(),
            allowed_origins: vec![site_origin.clone()],
            site_url,
            site_origin,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            ipv6_prefix_len: DEFAULT_IPV6_PREFIX_LEN,
            jwt_ttl_seconds: DEFAULT_JWT_TTL_SECONDS,
            jwt_issuer: DEFAULT_JWT_ISSUER.into(),
            jwt_audience: DEFAULT_JWT_AUDIENCE.into(),
            jwks: None,
            jwks_issuer: None,
            jwks_audience: None,
            jwks_client_id: None,
            jwks_admin_role: None,
            jwks_admins_manage_users: false,
            admin_username: None,
            admin_password_hash: None,
            services: Services::default(),
        }))
    }

    /// Reads every variable through `lookup`. An empty value counts as unset
    /// (Spin variables often default to `""`). Errors name the variable, in
    /// the order of [`VARIABLES`] as read here (the first one found).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| -> Option<String> {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let store = match get("store")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("sqlite") => StoreKind::Sqlite,
            Some("kv") | Some("key-value") | Some("key_value") => StoreKind::Kv,
            Some(other) => {
                return Err(invalid(
                    "store",
                    format!("`{other}` is neither `sqlite` nor `kv`"),
                ));
            }
        };

        let site_url_text = get("site_url").ok_or(ConfigError::Missing("site_url"))?;
        let site_url = Url::parse(&site_url_text)
            .map_err(|e| invalid("site_url", format!("`{site_url_text}` is not a URL: {e}")))?;
        // Not trimmed: a secret's bytes are its bytes. Checked when auth is
        // used, so that a bad secret does not take public forms down.
        let mut config = Self::builder(site_url)?
            .jwt_secret(lookup("jwt_secret"))
            .store(store);

        if let Some(list) = get("allowed_origins") {
            config =
                config.allowed_origins(list.split(',').map(str::trim).filter(|s| !s.is_empty()))?;
        }
        if let Some(n) = parse_number(&get, "max_body_bytes")? {
            config = config.max_body_bytes(n)?;
        }
        if let Some(n) = parse_number(&get, "rate_limit_per_minute")? {
            config = config.rate_limit_per_minute(n);
        }
        if let Some(n) = parse_number(&get, "ipv6_prefix_len")? {
            config = config.ipv6_prefix_len(n)?;
        }
        if let Some(n) = parse_number(&get, "jwt_ttl_seconds")? {
            config = config.jwt_ttl_seconds(n)?;
        }

        let jwks_admins_manage_users = match get("jwks_admins_manage_users")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(invalid(
                    "jwks_admins_manage_users",
                    format!("`{other}` is neither `true` nor `false`"),
                ));
            }
        };

        match (get("admin_username"), get("admin_password_hash")) {
            (Some(username), Some(hash)) => config = config.admin(username, hash)?,
            (None, None) => {}
            _ => {
                return Err(invalid(
                    "admin_password_hash",
                    "admin_username and admin_password_hash must be set together",
                ));
            }
        }

        if let Some(issuer) = get("jwt_issuer") {
            config = config.jwt_issuer(issuer);
        }
        if let Some(audience) = get("jwt_audience") {
            config = config.jwt_audience(audience);
        }
        let services = Services::from_lookup(&get, &lookup)?;
        Ok(config
            .services(services)
            .jwks(ExternalIdentity {
                jwks: get("jwks"),
                issuer: get("jwks_issuer"),
                audience: get("jwks_audience"),
                client_id: get("jwks_client_id"),
                admin_role: get("jwks_admin_role"),
                admins_manage_users: jwks_admins_manage_users,
            })
            .build())
    }

    /// Whether `origin` (an `Origin` header value) is allowed, by exact match.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }
}

/// The `jwks*` settings: an external identity provider whose tokens the API
/// accepts (see `Config`'s fields of the same names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalIdentity {
    pub jwks: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub client_id: Option<String>,
    pub admin_role: Option<String>,
    pub admins_manage_users: bool,
}

/// A [`Config`] under construction, from [`Config::builder`]: each setting
/// is checked as it is set (an error names the Spin variable it stands
/// for), and [`ConfigBuilder::build`] hands the configuration over.
#[derive(Debug, Clone)]
pub struct ConfigBuilder(Config);

impl ConfigBuilder {
    /// The HS256 signing key; `None` or empty leaves auth off (see
    /// [`Config::jwt_secret`]).
    pub fn jwt_secret(mut self, secret: Option<String>) -> Self {
        self.0.jwt_secret = secret.filter(|s| !s.is_empty());
        self
    }

    pub fn store(mut self, store: StoreKind) -> Self {
        self.0.store = store;
        self
    }

    /// Replaces the allowed origins (by default the site's own) with these,
    /// each `scheme://host[:port]` of http(s) and normalised as browsers send
    /// `Origin`; `*`, paths and other schemes are refused.
    pub fn allowed_origins<I>(mut self, origins: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.0.allowed_origins = origins
            .into_iter()
            .map(|o| parse_origin(o.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// The largest body read, in bytes (more than 0).
    pub fn max_body_bytes(mut self, bytes: usize) -> Result<Self, ConfigError> {
        if bytes == 0 {
            return Err(invalid("max_body_bytes", "must be greater than 0"));
        }
        self.0.max_body_bytes = bytes;
        Ok(self)
    }

    /// Submissions per client address, form and minute; 0 disables.
    pub fn rate_limit_per_minute(mut self, limit: u32) -> Self {
        self.0.rate_limit_per_minute = limit;
        self
    }

    /// 0 to 128.
    pub fn ipv6_prefix_len(mut self, bits: u8) -> Result<Self, ConfigError> {
        if bits > 128 {
            return Err(invalid("ipv6_prefix_len", "must be from 0 to 128"));
        }
        self.0.ipv6_prefix_len = bits;
        Ok(self)
    }

    /// The lifetime of issued tokens (more than 0).
    pub fn jwt_ttl_seconds(mut self, seconds: u64) -> Result<Self, ConfigError> {
        if seconds == 0 {
            return Err(invalid("jwt_ttl_seconds", "must be greater than 0"));
        }
        self.0.jwt_ttl_seconds = seconds;
        Ok(self)
    }

    pub fn jwt_issuer(mut self, issuer: String) -> Self {
        self.0.jwt_issuer = issuer;
        self
    }

    pub fn jwt_audience(mut self, audience: String) -> Self {
        self.0.jwt_audience = audience;
        self
    }

    /// The external identity provider (checked when auth is used).
    pub fn jwks(mut self, external: ExternalIdentity) -> Self {
        let c = &mut self.0;
        c.jwks = external.jwks;
        c.jwks_issuer = external.issuer;
        c.jwks_audience = external.audience;
        c.jwks_client_id = external.client_id;
        c.jwks_admin_role = external.admin_role;
        c.jwks_admins_manage_users = external.admins_manage_users;
        self
    }

    /// The first admin, whose password is an argon2 PHC string (see
    /// `letterbox hash-password`).
    pub fn admin(mut self, username: String, password_hash: String) -> Result<Self, ConfigError> {
        if !password_hash.starts_with("$argon2") {
            return Err(invalid(
                "admin_password_hash",
                "must be an argon2 PHC string (see `letterbox hash-password`)",
            ));
        }
        self.0.admin_username = Some(username);
        self.0.admin_password_hash = Some(password_hash);
        Ok(self)
    }

    /// Where notifications, CAPTCHA and spam checks go, and their secrets.
    pub fn services(mut self, services: Services) -> Self {
        self.0.services = services;
        self
    }

    pub fn build(self) -> Config {
        self.0
    }
}

fn parse_number<T: std::str::FromStr>(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
) -> Result<Option<T>, ConfigError> {
    match get(name) {
        None => Ok(None),
        Some(text) => text
            .parse::<T>()
            .map(Some)
            .map_err(|_| invalid(name, format!("`{text}` is not a non-negative integer"))),
    }
}

/// `scheme://host[:port]`, normalized the way browsers send `Origin`.
fn parse_origin(text: &str) -> Result<String, ConfigError> {
    if text == "*" {
        return Err(invalid(
            "allowed_origins",
            "`*` is not allowed (credentials are sent); list the origins",
        ));
    }
    let url = Url::parse(text)
        .map_err(|e| invalid("allowed_origins", format!("`{text}` is not an origin: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(
            "allowed_origins",
            format!("`{text}` is not an http(s) origin"),
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "allowed_origins",
            format!("`{text}` has a path; an origin is scheme://host[:port]"),
        ));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests;
