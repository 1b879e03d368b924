//! What the server's tasks share: the last build, the live-reload
//! channel, the in-process API.

use anyhow::{Context as _, anyhow};
use letterbox_forms::store::SqliteStore;
use letterbox_forms::{Config, Manifest};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use tokio::sync::{broadcast, watch};

/// What the live-reload socket says to pages.
#[derive(Debug, Clone)]
pub(super) enum Notice {
    Reload,
    Error(String),
}

impl Notice {
    pub(super) fn json(&self) -> String {
        match self {
            Notice::Reload => r#"{"type":"reload"}"#.to_owned(),
            Notice::Error(text) => serde_json::json!({ "type": "error", "text": text }).to_string(),
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct BuildState {
    /// The failing build's errors, until a build succeeds.
    pub(super) error: Option<String>,
    pub(super) count: u64,
}

pub(super) struct Shared {
    pub(super) output: PathBuf,
    pub(super) build: RwLock<BuildState>,
    pub(super) notices: broadcast::Sender<Notice>,
    pub(super) api: Option<Api>,
    pub(super) stopping: AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("output", &self.output)
            .finish_non_exhaustive()
    }
}

/// The in-process API.
pub(super) struct Api {
    pub(super) config: Arc<Config>,
    pub(super) store: Arc<SqliteStore>,
    pub(super) manifest: RwLock<Arc<Manifest>>,
    pub(super) manifest_file: PathBuf,
}

impl Api {
    /// Re-reads the manifest the last build wrote; a missing one is empty.
    pub(super) fn reload_manifest(&self) -> anyhow::Result<()> {
        let manifest = match std::fs::read_to_string(&self.manifest_file) {
            Ok(text) => Manifest::from_json(&text)
                .with_context(|| format!("reading {}", self.manifest_file.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(anyhow!("reading {}: {e}", self.manifest_file.display())),
        };
        if let Ok(mut m) = self.manifest.write() {
            *m = Arc::new(manifest);
        }
        Ok(())
    }
}

pub(super) type AppState = (Arc<Shared>, watch::Receiver<bool>);
