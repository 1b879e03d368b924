//! Output post-processing: HTML minification (minify-html), precompressed
//! `.gz`/`.br` siblings, content-hashed copies of assets asked for with
//! `get_url(path=…, cachebust=true)`, and the `_headers` file (Netlify and
//! Cloudflare Pages) that marks those immutable and HTML short-lived.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context as _;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::config::highlighting::{THEME_CSS, theme_css};
use crate::output::write::Staging;

/// Name of the headers file written into the output.
pub(crate) const HEADERS_FILE: &str = "_headers";
/// `Cache-Control` of fingerprinted assets.
pub(crate) const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of HTML pages.
pub(crate) const SHORT_LIVED: &str = "public, max-age=0, must-revalidate";

/// Minifies every `.html` file, in parallel.
pub(crate) fn minify_html_files(files: &mut [(&str, String)]) {
    files
        .par_iter_mut()
        .for_each(|(out, text)| minify_html_file(out, text));
}

/// Minifies `text` when `out` is an `.html` file.
pub(crate) fn minify_html_file(out: &str, text: &mut String) {
    if !out.ends_with(".html") {
        return;
    }
    let mut cfg = minify_html::Cfg::new();
    cfg.minify_css = true;
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_closing_tags = true;
    let small = minify_html::minify(text.as_bytes(), &cfg);
    if let Ok(small) = String::from_utf8(small) {
        *text = small;
    }
}

/// Whether a file is worth precompressing.
fn compressible(out: &str) -> bool {
    let ext = out.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "html" | "css" | "js" | "mjs" | "json" | "xml" | "svg" | "txt" | "map" | "webmanifest"
    )
}

/// Smaller files gain nothing from compression.
const MIN_COMPRESS: usize = 256;

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    enc.finish()
}

fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
        enc.write_all(bytes)?;
    }
    Ok(out)
}

/// Writes `<file>.gz` and `<file>.br` next to each compressible file:
/// rendered ones (`files`) and copied ones (`copies`, read back from their
/// source). In parallel.
pub(crate) fn precompress<F: AsRef<str> + Sync>(
    staging: &Staging,
    files: &[(F, String)],
    copies: &[(PathBuf, String)],
) -> Vec<anyhow::Error> {
    let one = |out: &str, bytes: &[u8]| precompress_file(staging, out, bytes);
    files
        .par_iter()
        .map(|(out, text)| one(out.as_ref(), text.as_bytes()))
        .chain(copies.par_iter().map(|(from, out)| {
            if !compressible(out) {
                return Ok(());
            }
            let bytes =
                std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
            one(out, &bytes)
        }))
        .filter_map(Result::err)
        .collect()
}

/// Writes `<out>.gz` and `<out>.br` beside `out` (`bytes`, already
/// written) when it is worth it.
pub(crate) fn precompress_file(staging: &Staging, out: &str, bytes: &[u8]) -> anyhow::Result<()> {
    if bytes.len() < MIN_COMPRESS || !compressible(out) {
        return Ok(());
    }
    let gz = gzip(bytes).with_context(|| format!("gzip {out}"))?;
    staging.write(&format!("{out}.gz"), &gz)?;
    let br = brotli(bytes).with_context(|| format!("brotli {out}"))?;
    staging.write(&format!("{out}.br"), &br)
}

/// The assets of a build (output path → source file) and the hashed names
/// handed out by `get_url(…, cachebust=true)`, computed on first request.
#[derive(Debug, Default)]
pub(crate) struct Fingerprints {
    sources: HashMap<String, PathBuf>,
    hashed: Mutex<BTreeMap<String, String>>,
}

impl Fingerprints {
    /// `assets`: (output path without leading `/`, source file).
    pub(crate) fn new<'a>(assets: impl IntoIterator<Item = (&'a str, &'a Path)>) -> Self {
        Self {
            sources: assets
                .into_iter()
                .map(|(out, from)| (out.to_owned(), from.to_owned()))
                .collect(),
            hashed: Mutex::default(),
        }
    }

    /// `css/style.css` → `css/style.3f2a9c1b.css` (first 8 hex digits of
    /// the SHA-256 of the content).
    pub(crate) fn hashed_path(&self, rel: &str) -> Result<String, String> {
        let rel = rel.trim_start_matches('/');
        if let Some(done) = self.lock().get(rel) {
            return Ok(done.clone());
        }
        let from = self
            .sources
            .get(rel)
            .ok_or_else(|| format!("get_url: cachebust: no file `{rel}` in static/ or content/"))?;
        let bytes =
            std::fs::read(from).map_err(|e| format!("get_url: reading {}: {e}", from.display()))?;
        let digest = Sha256::digest(&bytes);
        let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let name_start = rel.rfind('/').map_or(0, |i| i + 1);
        let hashed = match rel[name_start..].rfind('.') {
            Some(dot) if dot > 0 => {
                let dot = name_start + dot;
                format!("{}.{hash}{}", &rel[..dot], &rel[dot..])
            }
            _ => format!("{rel}.{hash}"),
        };
        self.lock().insert(rel.to_owned(), hashed.clone());
        Ok(hashed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.hashed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Copies to make: (source file, hashed output path).
    pub(crate) fn copies(&self) -> Vec<(PathBuf, String)> {
        self.lock()
            .iter()
            .filter_map(|(rel, hashed)| Some((self.sources.get(rel)?.clone(), hashed.clone())))
            .collect()
    }
}

/// The `_headers` file: fingerprinted assets immutable, HTML pages (by file
/// and by pretty URL) short-lived. Rules do not overlap, so hosts that
/// merge matching rules (Cloudflare Pages) send one `Cache-Control` each.
pub(crate) fn headers_file(base_path: &str, html: &[&str], fingerprinted: &[String]) -> String {
    let mut out = String::from("# Written by letterbox build.\n");
    for rel in fingerprinted {
        out.push_str(&format!(
            "{base_path}/{rel}\n  Cache-Control: {IMMUTABLE}\n"
        ));
    }
    let mut html: Vec<&str> = html.to_vec();
    html.sort_unstable();
    for rel in html {
        if let Some(dir) = rel.strip_suffix("index.html") {
            out.push_str(&format!(
                "{base_path}/{dir}\n  Cache-Control: {SHORT_LIVED}\n"
            ));
        }
        out.push_str(&format!(
            "{base_path}/{rel}\n  Cache-Control: {SHORT_LIVED}\n"
        ));
    }
    out
}

/// Finishes a build's files (`(output path, text)`): the highlighting
/// theme's stylesheet, `_headers` for the hashed assets (`hashed`: `(from,
/// output path)`), minified HTML. `copied(out)`: whether a copied file
/// already writes `out` (then it is not generated). An unknown theme is
/// the error; the other files are finished anyway. `written`: the output
/// paths of files already finished and written (listed in `_headers` too).
pub(crate) fn finish_files(
    files: &mut Vec<(&str, String)>,
    written: &[&str],
    config: &Config,
    copied: impl Fn(&str) -> bool,
    hashed: &[(PathBuf, String)],
    base_path: &str,
) -> anyhow::Result<()> {
    let mut result = Ok(());
    if config.markdown.highlight_code && !copied(THEME_CSS) {
        match theme_css(&config.markdown.highlight_theme) {
            Ok(css) => files.push((THEME_CSS, css)),
            Err(e) => result = Err(anyhow::anyhow!("site.toml: [markdown] {e}")),
        }
    }
    if !hashed.is_empty() && !copied(HEADERS_FILE) {
        let pages: Vec<&str> = (files.iter().map(|(o, _)| *o).chain(written.iter().copied()))
            .filter(|o| o.ends_with(".html"))
            .collect();
        let names: Vec<String> = hashed.iter().map(|(_, o)| o.clone()).collect();
        let text = headers_file(base_path, &pages, &names);
        files.push((HEADERS_FILE, text));
    }
    if config.minify {
        minify_html_files(files);
    }
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hashed_names_depend_on_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.css");
        std::fs::write(&a, "body{}").unwrap();
        let f = Fingerprints::new([("css/site.css", a.as_path()), ("noext", a.as_path())]);
        let h = f.hashed_path("/css/site.css").unwrap();
        assert!(
            h.starts_with("css/site.")
                && h.ends_with(".css")
                && h.len() == "css/site.12345678.css".len(),
            "{h}"
        );
        assert_eq!(f.hashed_path("css/site.css").unwrap(), h);
        assert!(f.hashed_path("noext").unwrap().starts_with("noext."));
        assert!(
            f.hashed_path("missing.css")
                .unwrap_err()
                .contains("missing.css")
        );
        assert_eq!(f.copies().len(), 2);
        std::fs::write(&a, "body{color:red}").unwrap();
        let g = Fingerprints::new([("css/site.css", a.as_path())]);
        assert_ne!(g.hashed_path("css/site.css").unwrap(), h);
    }

    #[test]
    fn headers_mark_assets_immutable_and_pages_short_lived() {
        let h = headers_file(
            "/docs",
            &["index.html", "blog/a/index.html", "404.html"],
            &["style.1a2b3c4d.css".into()],
        );
        assert!(
            h.contains(
                "/docs/style.1a2b3c4d.css\n  Cache-Control: public, max-age=31536000, immutable\n"
            ),
            "{h}"
        );
        assert!(
            h.contains("/docs/blog/a/\n  Cache-Control: public, max-age=0, must-revalidate\n"),
            "{h}"
        );
        assert!(h.contains("/docs/404.html\n"), "{h}");
        assert!(!h.contains("/*"), "{h}");
    }

    #[test]
    fn minifies_html_only() {
        let mut files = vec![
            ("a.html", "<p>  a   b  </p>\n\n<!-- c -->\n".to_owned()),
            ("a.css", "p  {  }".to_owned()),
        ];
        minify_html_files(&mut files);
        assert_eq!(files[0].1, "<p>a b</p>");
        assert_eq!(files[1].1, "p  {  }");
    }
}
