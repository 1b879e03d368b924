//! The contract between a Letterbox site and its form backend, and the
//! backend's core.
//!
//! The generator derives a [`Manifest`] from the forms it finds in the
//! rendered pages; the Spin component (and `letterbox serve`) validate and
//! store submissions against it. Nothing here depends on spin-sdk, so it
//! builds for the host and for `wasm32-wasip2`.

pub mod auth;
mod body;
pub mod config;
mod error;
pub mod folder;
pub mod handler;
pub mod notify;
pub mod outbound;
mod schema;
pub mod spam;
pub mod store;
pub mod text;
pub mod validate;

pub use config::{Config, ConfigBuilder, ConfigError, ExternalIdentity, StoreKind};
pub use error::ApiError;
pub use handler::{Clock, Context, SystemClock, collect_limited, handle};
pub use outbound::Outbound;
pub use schema::{
    AuthRequirement, Autoreply, Captcha, CaptchaProvider, EmailNotice, Field, FieldKind, Form,
    FormData, MANIFEST_VERSION, Manifest, ManifestError, Notify, PAGE_FIELD, SpamCheck, Webhook,
    WebhookFormat,
};
pub use store::{Store, StoreError, Submission, User};
