//! `sass/`: as in Zola, every `.scss` or `.sass` file whose name does not
//! start with `_` compiles (grass, pure Rust) to CSS at the same path in the
//! output: `sass/css/site.scss` → `css/site.css`. Files starting with `_`
//! are partials, for `@use` / `@import` only. Errors name the file, line
//! and column.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};

/// The folder, under the site root.
pub(crate) const DIR: &str = "sass";

/// One stylesheet to compile.
#[derive(Debug, Clone)]
pub(crate) struct Stylesheet {
    pub source: PathBuf,
    /// `sass/…`, for messages.
    pub display: String,
    /// Path inside the output folder (`….css`).
    pub out: String,
}

/// Every stylesheet under `<root>/sass`, sorted by path; none without the
/// folder.
pub(crate) fn find(root: &Path) -> anyhow::Result<Vec<Stylesheet>> {
    let dir = root.join(DIR);
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy();
        let is_sass = name.ends_with(".scss") || name.ends_with(".sass");
        if !entry.file_type().is_file() || !is_sass || name.starts_with(['_', '.']) {
            continue;
        }
        let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
        let rel = (rel.to_str())
            .ok_or_else(|| anyhow!("{}: file name is not valid UTF-8", entry.path().display()))?
            .replace('\\', "/");
        if rel.split('/').any(|c| c.starts_with('.')) {
            continue;
        }
        let stem = rel.rsplit_once('.').map_or(rel.as_str(), |(stem, _)| stem);
        found.push(Stylesheet {
            source: entry.path().to_owned(),
            display: format!("{DIR}/{rel}"),
            out: format!("{stem}.css"),
        });
    }
    Ok(found)
}

/// Compiles `sheet` (compressed when `minify`); an error reads
/// `sass/site.scss:3:9: expected ";".`, naming the partial it is in.
pub(crate) fn compile(sheet: &Stylesheet, root: &Path, minify: bool) -> anyhow::Result<String> {
    let style = if minify {
        grass::OutputStyle::Compressed
    } else {
        grass::OutputStyle::Expanded
    };
    let options = grass::Options::default()
        .style(style)
        .load_path(root.join(DIR));
    grass::from_path(&sheet.source, &options).map_err(|e| match e.kind() {
        grass::ErrorKind::ParseError { message, loc, .. } => {
            let file = Path::new(loc.file.name());
            let file = file.strip_prefix(root).unwrap_or(file).display();
            let mut located = crate::diagnostic::Diagnostic::new(
                file.to_string(),
                Some(loc.begin.line + 1),
                message,
            );
            located.column = Some(loc.begin.column + 1);
            anyhow::Error::new(located)
        }
        grass::ErrorKind::IoError(io) => {
            crate::diagnostic::error(&sheet.display, None, io.to_string())
        }
        grass::ErrorKind::FromUtf8Error(text) => {
            crate::diagnostic::error(&sheet.display, None, text)
        }
        other => crate::diagnostic::error(&sheet.display, None, format!("{other:?}")),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn compiles_sheets_with_partials_and_skips_partials() {
        let dir = site(&[
            ("sass/_colors.scss", "$ink: #123456;\n"),
            (
                "sass/css/site.scss",
                "@use '../colors';\nbody { p { color: colors.$ink; } }\n",
            ),
            ("sass/print.sass", "body\n  margin: 0\n"),
        ]);
        let sheets = find(dir.path()).unwrap();
        let outs: Vec<&str> = sheets.iter().map(|s| s.out.as_str()).collect();
        assert_eq!(outs, ["css/site.css", "print.css"]);
        let css = compile(&sheets[0], dir.path(), false).unwrap();
        assert!(css.contains("body p {\n  color: #123456;\n}"), "{css}");
        let css = compile(&sheets[0], dir.path(), true).unwrap();
        assert_eq!(css.trim(), "body p{color:#123456}");
        assert!(
            compile(&sheets[1], dir.path(), true)
                .unwrap()
                .contains("margin:0")
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let dir = site(&[
            ("sass/_broken.scss", "a {\n  color: red\n  b: 1;\n}\n"),
            ("sass/site.scss", "@import 'broken';\n"),
        ]);
        let sheets = find(dir.path()).unwrap();
        let err = compile(&sheets[0], dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("sass/_broken.scss:3:"), "{err}");
    }

    #[test]
    fn no_folder_no_sheets() {
        let dir = site(&[]);
        assert!(find(dir.path()).unwrap().is_empty());
    }
}
