//! Building and rebuilding the site as files change.

use super::incremental::Incremental;
use super::options::ServeOptions;
use super::shared::{Notice, Shared};
use crate::site::{BuildOptions, Site};
use anyhow::Context as _;
use notify::{EventKind, RecursiveMode, Watcher as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Builds and rebuilds the site.
pub(super) struct Builder {
    pub(super) options: ServeOptions,
    pub(super) base_url: String,
    pub(super) shared: Arc<Shared>,
    /// The last good build, for [`Incremental::update`].
    pub(super) last: Mutex<Option<Incremental>>,
}

impl Builder {
    /// One build: on success the manifest is reloaded and pages reload; on
    /// failure the last good output stays and pages show the error.
    pub(super) fn rebuild(&self, changed: &[PathBuf]) {
        if !changed.is_empty() && self.rebuild_fast(changed) {
            return;
        }
        let start = Instant::now();
        let result = self.build_once();
        let elapsed = start.elapsed();
        let notice = match result {
            Ok(summary) => {
                let manifest = match &self.shared.api {
                    Some(api) => api.reload_manifest(),
                    None => Ok(()),
                };
                match manifest {
                    Ok(()) => {
                        if !self.options.quiet {
                            println!(
                                "{} {} pages, {} forms in {} ms",
                                describe_changes(&self.options.root, changed),
                                summary.pages,
                                summary.forms,
                                elapsed.as_millis()
                            );
                        }
                        None
                    }
                    Err(e) => Some(format!("error: {e:#}")),
                }
            }
            Err(text) => Some(text),
        };
        if let Some(text) = &notice {
            eprintln!("{text}\n(serving the last good build; fix the error to reload)");
        }
        if let Ok(mut state) = self.shared.build.write() {
            state.error = notice.clone();
            state.count += 1;
        }
        let _ = self.shared.notices.send(match notice {
            Some(text) => Notice::Error(text),
            None => Notice::Reload,
        });
    }

    /// The fast path: when only page bodies changed, re-renders them and
    /// writes the files that changed. False when a full build is needed.
    pub(super) fn rebuild_fast(&self, changed: &[PathBuf]) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let Some(state) = last.take() else {
            return false;
        };
        let (state, update) = match state.update(changed) {
            Ok(done) => done,
            Err(why) => {
                if std::env::var_os("LETTERBOX_DEBUG_WATCH").is_some() {
                    eprintln!("watch: full rebuild: {why}");
                }
                return false;
            }
        };
        *last = Some(state);
        drop(last);
        if let Some(api) = &self.shared.api
            && api.reload_manifest().is_err()
        {
            return false;
        }
        if !self.options.quiet {
            let what = describe_changes(&self.options.root, changed);
            let what = what.strip_suffix(", rebuilt").unwrap_or(&what);
            println!(
                "{what}, rendered {} file{} again, wrote {} file{}, {} forms in {} ms",
                update.rendered.len(),
                if update.rendered.len() == 1 { "" } else { "s" },
                update.written,
                if update.written == 1 { "" } else { "s" },
                update.forms,
                update.elapsed.as_millis()
            );
        }
        if let Ok(mut state) = self.shared.build.write() {
            state.error = None;
            state.count += 1;
        }
        let _ = self.shared.notices.send(Notice::Reload);
        true
    }

    pub(super) fn build_once(&self) -> Result<crate::BuildSummary, String> {
        let build = BuildOptions {
            root: self.options.root.clone(),
            output: self.options.output.clone(),
            drafts: self.options.drafts,
            base_url: Some(self.base_url.clone()),
        };
        let mut site = Site::load(&build).map_err(|e| e.to_string())?;
        // The in-process API answers on this origin; `--api-url` points the
        // pages elsewhere.
        site.config.api_url = self.options.api_url.clone().unwrap_or_default();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        *last = None;
        let (state, summary) = Incremental::build(site).map_err(|e| e.to_string())?;
        *last = Some(state);
        Ok(summary)
    }

    /// Watches the sources on a thread of its own. Changes are debounced:
    /// a rebuild starts once 100 ms passed without another change.
    pub(super) fn watch(self) -> anyhow::Result<std::thread::JoinHandle<()>> {
        let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
        let mut watcher = notify::recommended_watcher(tx).context("starting the file watcher")?;
        let root = &self.options.root;
        // Source folders made later (the first `letterbox pull` makes
        // data/) are watched from when the root's watch sees them appear.
        let mut missing = Vec::new();
        for dir in SOURCE_DIRS {
            let path = root.join(dir);
            if path.is_dir() {
                watcher
                    .watch(&path, RecursiveMode::Recursive)
                    .with_context(|| format!("watching {}", path.display()))?;
            } else {
                missing.push(path);
            }
        }
        // site.toml: watch the folder (editors replace files by renaming).
        watcher
            .watch(root, RecursiveMode::NonRecursive)
            .with_context(|| format!("watching {}", root.display()))?;
        let sources = Sources::of(root);
        let debug = std::env::var_os("LETTERBOX_DEBUG_WATCH").is_some();
        let handle = std::thread::Builder::new()
            .name("letterbox-watch".into())
            .spawn(move || {
                let mut watcher = watcher;
                let tick = Duration::from_millis(200);
                let quiet = Duration::from_millis(100);
                let mut pending: Option<Instant> = None;
                let mut changed: Vec<PathBuf> = Vec::new();
                loop {
                    if self.shared.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let wait = match pending {
                        Some(last) => quiet.saturating_sub(last.elapsed()),
                        None => tick,
                    };
                    match rx.recv_timeout(wait) {
                        Ok(Ok(event)) => {
                            if debug {
                                eprintln!("watch: {:?} {:?}", event.kind, event.paths);
                            }
                            for path in &event.paths {
                                if missing.contains(path) && path.is_dir() {
                                    missing.retain(|m| m != path);
                                    if let Err(e) = watcher.watch(path, RecursiveMode::Recursive) {
                                        eprintln!(
                                            "letterbox serve: watching {}: {e}",
                                            path.display()
                                        );
                                    }
                                }
                            }
                            let paths = sources.changed(&event);
                            if !paths.is_empty() {
                                pending = Some(Instant::now());
                                for p in paths {
                                    if !changed.contains(&p) {
                                        changed.push(p);
                                    }
                                }
                            }
                        }
                        Ok(Err(e)) => eprintln!("letterbox serve: file watcher: {e}"),
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                    if pending.is_some_and(|last| last.elapsed() >= quiet) {
                        pending = None;
                        self.rebuild(&changed);
                        changed.clear();
                    }
                }
            })
            .context("starting the watcher thread")?;
        Ok(handle)
    }
}

/// The folders whose changes rebuild the site (with `site.toml`).
const SOURCE_DIRS: [&str; 5] = [
    "content",
    "templates",
    "static",
    crate::output::sass::DIR,
    "data",
];

/// The site's sources, canonical, to tell which paths of a watcher event
/// matter.
struct Sources {
    site_toml: PathBuf,
    dirs: Vec<PathBuf>,
}

impl Sources {
    fn of(root: &Path) -> Self {
        Self {
            site_toml: canonical(&root.join("site.toml")),
            dirs: SOURCE_DIRS
                .iter()
                .map(|d| canonical(&root.join(d)))
                .collect(),
        }
    }

    /// The changed source files of an event.
    fn changed(&self, event: &notify::Event) -> Vec<PathBuf> {
        if matches!(event.kind, EventKind::Access(_)) {
            return Vec::new();
        }
        event
            .paths
            .iter()
            .filter(|path| {
                // Removed files cannot be canonicalized: use the parent.
                let p = match (path.parent(), path.file_name()) {
                    (Some(dir), Some(name)) => canonical(dir).join(name),
                    _ => (*path).clone(),
                };
                p == self.site_toml || self.dirs.iter().any(|s| p.starts_with(s))
            })
            .cloned()
            .collect()
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_owned())
}

/// The start of the terminal's build line: `Built` for the first build,
/// `content/about.md changed, rebuilt` or `3 files changed, rebuilt`.
pub(super) fn describe_changes(root: &Path, changed: &[PathBuf]) -> String {
    let canon_root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    match changed {
        [] => "Built".to_owned(),
        [one] => {
            let rel = one
                .strip_prefix(&canon_root)
                .or_else(|_| one.strip_prefix(root))
                .unwrap_or(one);
            format!("{} changed, rebuilt", rel.display())
        }
        many => format!("{} files changed, rebuilt", many.len()),
    }
}
