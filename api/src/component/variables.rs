//! The configuration from Spin variables and the mounted form manifest,
//! each read once per instance.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use letterbox_forms::config::VARIABLES;
use letterbox_forms::{Config, Manifest};

// Spin 4 reuses an instance for up to 128 requests: what does not change
// while the application runs is read on the first request and kept. Only
// successes are kept, so a misconfiguration answers 503 on every request
// (and is read again) instead of being remembered as something else.

/// The configuration, from Spin variables (each read costs a host call).
pub(super) async fn config() -> Result<&'static Config, String> {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(config);
    }
    let config = load_config().await?;
    Ok(CONFIG.get_or_init(|| config))
}

/// The form manifest mounted at [`crate::MANIFEST_PATH`].
pub(super) fn manifest() -> Result<&'static Manifest, String> {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    if let Some(manifest) = MANIFEST.get() {
        return Ok(manifest);
    }
    let manifest = crate::load_manifest(Path::new(crate::MANIFEST_PATH))?;
    Ok(MANIFEST.get_or_init(|| manifest))
}

/// Reads every variable of the design. One the application does not
/// declare is unset (a site's `spin.toml` may leave optional ones out); one
/// that fails to resolve is an error, never a default.
async fn load_config() -> Result<Config, String> {
    use spin_sdk::variables::Error;
    let mut values = HashMap::new();
    for name in VARIABLES {
        match spin_sdk::variables::get(name).await {
            Ok(value) => {
                values.insert(*name, value);
            }
            Err(Error::Undefined(_) | Error::InvalidName(_)) => {}
            Err(e) => return Err(format!("variable `{name}` cannot be read: {e:?}")),
        }
    }
    Config::from_lookup(|name| values.get(name).cloned()).map_err(|e| e.to_string())
}
