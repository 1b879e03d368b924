//! Pages, sections and the walk of `content/` that loads them.

use super::front_matter::{
    Hints, PageFrontMatter, SectionFrontMatter, check_relative_path, key_line, keys_in_extra,
    parse_date, parse_front_matter_with, split_front_matter,
};
use crate::diagnostic::{Diagnostic, warn};
use crate::text::{Date, slugify};
use anyhow::{Context as _, anyhow};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A page: any `.md` other than `_index.md`.
#[derive(Debug, Clone)]
pub struct Page {
    /// Source file as shown in messages, e.g. `content/blog/hello.md`.
    pub source: String,
    /// Path relative to `content/`, e.g. `blog/hello.md`: the key of
    /// `get_page`.
    pub rel: String,
    pub meta: PageFrontMatter,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    pub slug: String,
    /// Site path without the base path, e.g. `/blog/hello/`.
    pub path: String,
    /// `rel` of the parent section (`_index.md` for the home section).
    pub section: String,
    pub body: String,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
    /// Co-located files of a `dir/index.md` page: (source, path relative to
    /// the page's output folder).
    pub assets: Vec<(PathBuf, String)>,
}

/// A section: a folder with an `_index.md` (the home section is
/// `content/_index.md`, present or not).
#[derive(Debug, Clone)]
pub struct Section {
    pub source: String,
    /// e.g. `blog/_index.md`, `_index.md` for the home section.
    pub rel: String,
    pub meta: SectionFrontMatter,
    /// Site path without the base path, e.g. `/blog/`.
    pub path: String,
    /// `rel` of the parent section; `None` for the home section.
    pub parent: Option<String>,
    pub body: String,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
    /// Whether there is a real `_index.md` behind it.
    pub exists: bool,
}

impl Page {
    /// The template that renders this page: its own `template`, else its
    /// section's `page_template`, else `page.html`.
    pub fn template_name(&self, section: Option<&Section>) -> String {
        self.meta
            .template
            .clone()
            .or_else(|| section.and_then(|s| s.meta.page_template.clone()))
            .unwrap_or_else(|| "page.html".to_owned())
    }
}

impl Section {
    /// The template that renders this section: its own `template`, else
    /// `index.html` for the home section and `section.html` for the others.
    pub fn template_name(&self) -> String {
        match &self.meta.template {
            Some(template) => template.clone(),
            None if self.rel == HOME => "index.html".to_owned(),
            None => "section.html".to_owned(),
        }
    }
}

/// Everything found under `content/`.
#[derive(Debug, Default)]
pub struct Content {
    /// Sorted by `rel`.
    pub pages: Vec<Page>,
    /// Sorted by `rel`; the home section first.
    pub sections: Vec<Section>,
    /// Other files under `content/` (outside page bundles), copied to the
    /// same relative path in the output.
    pub files: Vec<(PathBuf, String)>,
}

/// `rel` of the home section.
pub(crate) const HOME: &str = "_index.md";

enum Entry {
    Page { rel: String, bundle: bool },
    Section { rel: String },
}

/// Walks `<root>/content` and loads every page and section. Drafts are left
/// out unless `drafts`; `taxonomies` (declared in `site.toml`) are for
/// hints on unknown keys. Returns every error found, not only the first.
pub(crate) fn load(
    root: &Path,
    drafts: bool,
    taxonomies: &[String],
) -> Result<Content, Vec<anyhow::Error>> {
    let dir = root.join("content");
    let mut content = Content::default();
    if !dir.is_dir() {
        content.sections.push(home_section(None));
        return Ok(content);
    }
    let mut errors = Vec::new();
    let files = content_files(&dir, &mut errors);
    let (entries, assets) = classify(&files, &dir, &mut content.files, &mut errors);

    let section_dirs: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Section { rel } => Some(section_dir(rel).to_owned()),
            Entry::Page { .. } => None,
        })
        .collect();

    #[allow(clippy::large_enum_variant, reason = "short-lived, one per file")]
    enum Loaded {
        Page(Page),
        Section(Section),
        Draft,
    }
    let loaded: Vec<anyhow::Result<Loaded>> = entries
        .par_iter()
        .map(|entry| match entry {
            Entry::Section { rel } => load_section(&dir, rel, &section_dirs).map(Loaded::Section),
            Entry::Page { rel, bundle } => {
                let page_assets = if *bundle {
                    let b = rel.strip_suffix("/index.md").unwrap_or(rel);
                    assets.get(b).cloned().unwrap_or_default()
                } else {
                    Vec::new()
                };
                let hints = Hints {
                    section: false,
                    taxonomies: taxonomies.to_vec(),
                };
                load_page(&dir, rel, *bundle, &section_dirs, page_assets, &hints).map(|p| {
                    if p.meta.draft && !drafts {
                        Loaded::Draft
                    } else {
                        Loaded::Page(p)
                    }
                })
            }
        })
        .collect();
    for item in loaded {
        match item {
            Ok(Loaded::Page(p)) => content.pages.push(p),
            Ok(Loaded::Section(s)) => content.sections.push(s),
            Ok(Loaded::Draft) => {}
            Err(e) => errors.push(e),
        }
    }
    if !content.sections.iter().any(|s| s.rel == HOME) {
        content.sections.insert(0, home_section(None));
    }
    content
        .sections
        .sort_by(|a, b| (a.rel != HOME, &a.rel).cmp(&(b.rel != HOME, &b.rel)));
    if errors.is_empty() {
        Ok(content)
    } else {
        Err(errors)
    }
}

/// Every file under `dir` (`content/`) as a path relative to it with `/`
/// separators, in name order; hidden files and folders left out.
fn content_files(dir: &Path, errors: &mut Vec<anyhow::Error>) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                errors.push(anyhow!("reading {path}: {e}"));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        if rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        {
            continue;
        }
        match rel.to_str() {
            Some(s) => files.push(s.replace('\\', "/")),
            None => errors.push(anyhow!(
                "{}: file name is not valid UTF-8",
                entry.path().display()
            )),
        }
    }
    files
}

/// The assets of each page bundle, by bundle folder: `(path, path inside
/// the bundle)`.
type BundleAssets<'a> = HashMap<&'a str, Vec<(PathBuf, String)>>;

/// Sorts `files` into pages and sections (`Entry`), the assets of page
/// bundles (by bundle folder) and the other files of `content/` (`copied`,
/// as `(path, rel)`).
fn classify<'a>(
    files: &'a [String],
    dir: &Path,
    copied: &mut Vec<(PathBuf, String)>,
    errors: &mut Vec<anyhow::Error>,
) -> (Vec<Entry>, BundleAssets<'a>) {
    // Folders holding an `index.md` are page bundles: everything else in
    // them is an asset of that page.
    let bundles: BTreeSet<&str> = files
        .iter()
        .filter_map(|f| {
            if f == "index.md" {
                None
            } else {
                f.strip_suffix("/index.md")
            }
        })
        .collect();
    let mut assets: HashMap<&str, Vec<(PathBuf, String)>> = HashMap::new();
    let mut entries = Vec::new();
    for f in files {
        let bundle = ancestors(f).find(|a| bundles.contains(a));
        if let Some(b) = bundle {
            if f.strip_prefix(b) == Some("/index.md") {
                entries.push(Entry::Page {
                    rel: f.clone(),
                    bundle: true,
                });
            } else if f.ends_with("/_index.md") && f.strip_suffix("/_index.md") == Some(b) {
                errors.push(crate::diagnostic::error(
                    format!("content/{f}"),
                    None,
                    "a folder cannot hold both `index.md` (a page) and `_index.md` (a section)",
                ));
            } else {
                let inside = &f[b.len() + 1..];
                assets
                    .entry(b)
                    .or_default()
                    .push((dir.join(f), inside.to_owned()));
            }
            continue;
        }
        let name = f.rsplit('/').next().unwrap_or(f);
        if name == "_index.md" {
            entries.push(Entry::Section { rel: f.clone() });
        } else if f.ends_with(".md") {
            entries.push(Entry::Page {
                rel: f.clone(),
                bundle: false,
            });
        } else {
            copied.push((dir.join(f), f.clone()));
        }
    }
    (entries, assets)
}

fn home_section(loaded: Option<Section>) -> Section {
    loaded.unwrap_or_else(|| Section {
        source: "content/_index.md".to_owned(),
        rel: HOME.to_owned(),
        meta: SectionFrontMatter::default(),
        path: "/".to_owned(),
        parent: None,
        body: String::new(),
        body_line: 1,
        exists: false,
    })
}

/// `a/b/c.md` → `a/b`, `a/b`, … `a` (the folders holding the file, nearest first).
pub(super) fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut cur = path;
    std::iter::from_fn(move || {
        let i = cur.rfind('/')?;
        cur = &cur[..i];
        Some(cur)
    })
}

/// Folder of a section's `_index.md`: `blog/_index.md` → `blog`, `_index.md` → ``.
fn section_dir(rel: &str) -> &str {
    rel.strip_suffix("_index.md")
        .unwrap_or(rel)
        .trim_end_matches('/')
}

/// The nearest section holding folder `dir` (itself excluded).
fn parent_section(dir: &str, section_dirs: &BTreeSet<String>) -> String {
    let mut cur = dir;
    while let Some(i) = cur.rfind('/') {
        cur = &cur[..i];
        if section_dirs.contains(cur) {
            return format!("{cur}/_index.md");
        }
    }
    HOME.to_owned()
}

/// URL path of a content folder: each segment slugified.
fn dir_path(dir: &str) -> String {
    let mut path = String::from("/");
    for segment in dir.split('/').filter(|s| !s.is_empty()) {
        path.push_str(&slugify(segment));
        path.push('/');
    }
    path
}

fn read(dir: &Path, rel: &str) -> anyhow::Result<String> {
    let path = dir.join(rel);
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

fn load_section(dir: &Path, rel: &str, section_dirs: &BTreeSet<String>) -> anyhow::Result<Section> {
    let source = format!("content/{rel}");
    let text = read(dir, rel)?;
    let split = split_front_matter(&text, &source)?;
    let hints = Hints {
        section: true,
        taxonomies: Vec::new(),
    };
    let meta: SectionFrontMatter = parse_front_matter_with(&split, &source, &hints)?;
    if meta.paginate_by == Some(0) {
        return Err(crate::diagnostic::error(
            &source,
            key_line(&split, "paginate_by"),
            "paginate_by must be at least 1",
        ));
    }
    let sdir = section_dir(rel);
    let parent = if rel == HOME {
        None
    } else {
        Some(parent_section(sdir, section_dirs))
    };
    Ok(Section {
        source,
        rel: rel.to_owned(),
        meta,
        path: dir_path(sdir),
        parent,
        body: split.body.to_owned(),
        body_line: split.body_line,
        exists: true,
    })
}

fn load_page(
    dir: &Path,
    rel: &str,
    bundle: bool,
    section_dirs: &BTreeSet<String>,
    assets: Vec<(PathBuf, String)>,
    hints: &Hints,
) -> anyhow::Result<Page> {
    let source = format!("content/{rel}");
    let text = read(dir, rel)?;
    let split = split_front_matter(&text, &source)?;
    let meta: PageFrontMatter = parse_front_matter_with(&split, &source, hints)?;
    for (key, line) in keys_in_extra(&split, &meta.extra) {
        warn(&Diagnostic::new(
            &source,
            line,
            format!(
                "`{key}` is inside `[extra]`, so it sets page.extra.{key}, not the page's {key}; move it above `[extra]`"
            ),
        ));
    }
    let date = parse_date(&meta.date, "date", &split, &source)?;
    let updated = parse_date(&meta.updated, "updated", &split, &source)?;

    // `blog/hello.md` lives in `blog` with default slug `hello`;
    // `blog/trip/index.md` lives in `blog` with default slug `trip`.
    let own = if bundle {
        rel.strip_suffix("/index.md").unwrap_or(rel)
    } else {
        rel
    };
    let (folder, name) = match own.rfind('/') {
        Some(i) => (&own[..i], &own[i + 1..]),
        None => ("", own),
    };
    let stem = name.strip_suffix(".md").unwrap_or(name);
    let slug = match &meta.slug {
        Some(slug) => {
            check_relative_path(slug).map_err(|why| {
                crate::diagnostic::error(
                    &source,
                    key_line(&split, "slug"),
                    format!("slug `{slug}` is not allowed: {why}"),
                )
            })?;
            slug.trim_matches('/').to_owned()
        }
        None => {
            let s = slugify(stem);
            if s.is_empty() { stem.to_owned() } else { s }
        }
    };
    for alias in &meta.aliases {
        check_relative_path(alias).map_err(|why| {
            crate::diagnostic::error(
                &source,
                key_line(&split, "aliases"),
                format!("alias `{alias}` is not allowed: {why}"),
            )
        })?;
    }
    let path = format!("{}{slug}/", dir_path(folder));
    let section = if section_dirs.contains(folder) {
        if folder.is_empty() {
            HOME.to_owned()
        } else {
            format!("{folder}/_index.md")
        }
    } else {
        parent_section(folder, section_dirs)
    };
    Ok(Page {
        source,
        rel: rel.to_owned(),
        meta,
        date,
        updated,
        slug,
        path,
        section,
        body: split.body.to_owned(),
        body_line: split.body_line,
        assets,
    })
}
