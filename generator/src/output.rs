//! Atomic output: everything is written into a fresh folder beside the
//! output folder, which replaces the output folder only once the whole
//! build has succeeded. A failed build leaves the previous output as it was.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// A folder being filled; dropped without [`Staging::commit`], it is removed.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates an empty folder beside `target` (same parent, so the final
    /// rename stays on one file system).
    pub fn new(target: &Path) -> anyhow::Result<Self> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dist".into());
        let dir = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("removing stale {}", dir.display()))?;
        }
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self {
            dir,
            target: target.to_owned(),
            committed: false,
        })
    }

    /// The folder being filled.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` at `rel` (a `/`-separated path) inside the folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.path_of(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    }

    /// Copies file `from` to `rel` inside the folder.
    pub fn copy(&self, from: &Path, rel: &str) -> anyhow::Result<()> {
        let path = self.path_of(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::copy(from, &path)
            .with_context(|| format!("copying {} to {}", from.display(), path.display()))?;
        Ok(())
    }

    fn path_of(&self, rel: &str) -> anyhow::Result<PathBuf> {
        if rel.split('/').any(|s| s == ".." || s.is_empty()) || rel.starts_with('/') {
            bail!("refusing to write `{rel}`: it is not a plain path inside the output folder");
        }
        Ok(self.dir.join(rel))
    }

    /// Swaps the folder in place of the target: the old output is moved
    /// aside, the new one renamed into place, then the old one removed.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let old = self.dir.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            if old.exists() {
                std::fs::remove_dir_all(&old)
                    .with_context(|| format!("removing {}", old.display()))?;
            }
            std::fs::rename(&self.target, &old)
                .with_context(|| format!("moving {} aside", self.target.display()))?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            if had_old {
                // Put the previous output back; nothing else can be done.
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(e).with_context(|| {
                format!(
                    "renaming {} to {}",
                    self.dir.display(),
                    self.target.display()
                )
            });
        }
        self.committed = true;
        if had_old {
            std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn commit_replaces_and_drop_discards() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("dist");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("old.txt"), "old").unwrap();

        let staging = Staging::new(&target).unwrap();
        staging.write("a/index.html", b"new").unwrap();
        let staged = staging.dir().to_owned();
        drop(staging);
        assert!(!staged.exists());
        assert!(target.join("old.txt").exists());

        let staging = Staging::new(&target).unwrap();
        staging.write("a/index.html", b"new").unwrap();
        staging.commit().unwrap();
        assert!(!target.join("old.txt").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("a/index.html")).unwrap(),
            "new"
        );
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only dist/ remains");
    }

    #[test]
    fn refuses_escaping_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::new(&tmp.path().join("dist")).unwrap();
        assert!(staging.write("../x", b"").is_err());
        assert!(staging.write("/x", b"").is_err());
    }
}
