//! The contract between a Letterbox site and its form backend, and the
//! backend's core.
//!
//! The generator derives a [`Manifest`] from the forms it finds in the
//! rendered pages; the Spin component (and `letterbox serve`) validate and
//! store submissions against it. Nothing here depends on spin-sdk, so it
//! builds for the host and for `wasm32-wasip2`.

pub mod body;
pub mod schema;
pub mod validate;

pub use schema::{AuthRequirement, Field, FieldKind, Form, FormData, Manifest, MANIFEST_VERSION};
