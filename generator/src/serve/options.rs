//! What `letterbox serve` is asked to do.

use std::path::PathBuf;

use letterbox_forms::config::Services;

/// The port `letterbox serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 1111;

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder (holding `site.toml`).
    pub root: PathBuf,
    /// Output folder; a relative path is taken from `root`.
    pub output: PathBuf,
    pub drafts: bool,
    /// Port on 127.0.0.1; 0 picks a free one (see [`ServerHandle::addr`](super::server::ServerHandle::addr)).
    pub port: u16,
    /// Pages post to this API (a running `spin up`) instead of the
    /// in-process one, which is then disabled.
    pub api_url: Option<String>,
    /// Signing key for the in-process API; a random one when `None`.
    pub jwt_secret: Option<String>,
    /// The admin user; when `None` a dev admin `admin` with a random
    /// password is created (see [`ServerHandle::dev_admin`](super::server::ServerHandle::dev_admin)).
    pub admin: Option<AdminUser>,
    /// Further origins (`scheme://host:port`) the in-process API accepts
    /// (CORS and posts), besides its own — for a site served elsewhere.
    pub allowed_origins: Vec<String>,
    /// Rebuild and reload on changes to `content/`, `templates/`, `static/`
    /// and `site.toml`.
    pub watch: bool,
    /// Print nothing but errors.
    pub quiet: bool,
    /// Where the in-process API's notifications, CAPTCHA and spam checks
    /// go. By default (`dry_run`) nothing leaves the machine: what would be
    /// sent waits in the inbox's outbox.
    pub services: Services,
}

/// An admin given as username and argon2 PHC hash.
#[derive(Debug, Clone)]
pub struct AdminUser {
    pub username: String,
    pub password_hash: String,
}

impl ServeOptions {
    /// Serve `root` into `root/dist` on the default port, watching.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            output: PathBuf::from("dist"),
            drafts: false,
            port: DEFAULT_PORT,
            api_url: None,
            jwt_secret: None,
            admin: None,
            allowed_origins: Vec::new(),
            watch: true,
            quiet: false,
            services: Services {
                dry_run: true,
                ..Services::default()
            },
        }
    }
}
