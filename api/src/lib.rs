//! Letterbox's form backend as a Spin component: a thin adapter from Spin's
//! HTTP request, SQLite and key-value APIs to `letterbox-forms`.
//!
//! Everything Spin-specific lives behind `cfg(target_arch = "wasm32")`, so the
//! workspace still builds and tests on the host.

use std::sync::OnceLock;

use letterbox_forms::{MANIFEST_VERSION, Manifest};

#[cfg(target_arch = "wasm32")]
mod component;

/// The form manifest compiled in by `build.rs`.
pub const MANIFEST_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/forms.json"));

/// Parses [`MANIFEST_JSON`] (once per instance).
pub fn manifest() -> Result<&'static Manifest, String> {
    static MANIFEST: OnceLock<Result<Manifest, String>> = OnceLock::new();
    MANIFEST
        .get_or_init(|| parse_manifest(MANIFEST_JSON))
        .as_ref()
        .map_err(Clone::clone)
}

/// Parses a manifest and checks its version.
pub fn parse_manifest(json: &str) -> Result<Manifest, String> {
    let manifest: Manifest =
        serde_json::from_str(json).map_err(|e| format!("form manifest: {e}"))?;
    if manifest.version != MANIFEST_VERSION {
        return Err(format!(
            "form manifest version {} but this build reads version {MANIFEST_VERSION}; rebuild the site and the component",
            manifest.version
        ));
    }
    Ok(manifest)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn compiled_in_manifest_parses() {
        manifest().unwrap();
    }

    #[test]
    fn wrong_version_is_refused() {
        assert!(
            parse_manifest(r#"{"version":999,"forms":{}}"#)
                .unwrap_err()
                .contains("version 999")
        );
        assert!(parse_manifest("not json").is_err());
    }
}
