//! Letterbox's form backend as a Spin component: a thin adapter from Spin's
//! HTTP request, SQLite and key-value APIs to `letterbox-forms`.
//!
//! The component is the same for every site: it reads the site's form
//! manifest at run time from [`MANIFEST_PATH`], a file `spin.toml` mounts
//! from the site's `.letterbox/forms.json` (written by `letterbox build`).
//! Everything Spin-specific lives behind `cfg(target_arch = "wasm32")`, so
//! the workspace still builds and tests on the host.

use std::path::Path;

use letterbox_forms::Manifest;

#[cfg(target_arch = "wasm32")]
mod component;

/// Where the component finds the form manifest: `spin.toml` mounts the
/// site's `.letterbox/forms.json` here with
/// `files = [{ source = ".letterbox", destination = "/letterbox" }]`.
pub const MANIFEST_PATH: &str = "/letterbox/forms.json";

/// Reads and checks the manifest at `path`; the error says what to fix.
pub fn load_manifest(path: &Path) -> Result<Manifest, String> {
    let json = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "the form manifest {} cannot be read ({e}): run `letterbox build` and mount the \
             site's .letterbox folder at /letterbox with `files` in spin.toml",
            path.display()
        )
    })?;
    Manifest::from_json(&json).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.json");

        let missing = load_manifest(&path).unwrap_err();
        assert!(missing.contains("cannot be read"), "{missing}");
        assert!(missing.contains("letterbox build"), "{missing}");

        std::fs::write(&path, r#"{"version":999,"forms":{}}"#).unwrap();
        let old = load_manifest(&path).unwrap_err();
        assert!(old.contains("version 999"), "{old}");

        std::fs::write(&path, "{").unwrap();
        assert!(load_manifest(&path).unwrap_err().contains("not valid JSON"));

        std::fs::write(&path, r#"{"version":4,"forms":{}}"#).unwrap();
        assert_eq!(load_manifest(&path).unwrap(), Manifest::default());
    }
}
