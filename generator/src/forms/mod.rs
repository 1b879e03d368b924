//! Form discovery: finds every `<form data-form>` in a rendered page, derives
//! its schema from the HTML constraint attributes, and rewrites it to post to
//! the API with a honeypot field added.
//!
//! The page's form *is* the backend's schema: what this module derives is
//! exactly what the API validates, so browser and server cannot drift apart.

mod assets;
mod controls;
mod discovery;
mod manifest;
mod notify;
mod rewrite;
mod settings;

pub(crate) use assets::{ADMIN_OUTPUT, FORMS_SCRIPT, builtin_assets};
pub(crate) use manifest::{manifest_json, unused_overrides, write_manifest};
pub(crate) use rewrite::rewrite_forms_in;
pub(crate) use settings::{FormSettings, FormSource};

#[cfg(test)]
mod tests;
