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
    /// The page's language: the site's default, or `fr` of `hello.fr.md`.
    pub lang: String,
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
    /// The section's language: the site's default, or `fr` of `_index.fr.md`.
    pub lang: String,
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

/// What the translations of one file share: its `rel` without the
/// language, `blog/hello.fr.md` → `blog/hello.md`.
fn translation_key(rel: &str, lang: &str) -> String {
    (rel.strip_suffix(&format!(".{lang}.md")))
        .map_or_else(|| rel.to_owned(), |base| format!("{base}.md"))
}

impl Page {
    /// The `rel` its translations share (that of the default language).
    pub fn translation_key(&self) -> String {
        translation_key(&self.rel, &self.lang)
    }

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
    /// The `rel` its translations share (that of the default language).
    pub fn translation_key(&self) -> String {
        translation_key(&self.rel, &self.lang)
    }

    /// The template that renders this section: its own `template`, else
    /// `index.html` for the home section and `section.html` for the others.
    pub fn template_name(&self) -> String {
        match &self.meta.template {
            Some(template) => template.clone(),
            None if self.parent.is_none() => "index.html".to_owned(),
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

/// The site's languages as content sees them: which file suffixes are
/// languages (`hello.fr.md`) and where each language's URLs start.
#[derive(Debug, Clone, Default)]
pub(crate) struct Languages {
    /// The default language: files without a language suffix.
    pub default: String,
    /// The other languages, `(code, URL prefix such as "/fr")`.
    pub others: Vec<(String, String)>,
}

impl Languages {
    /// `hello.fr.md` → (`hello.md`, `fr`) when `fr` is a language of the
    /// site; any other name → (the name, the default language).
    fn split<'a>(&'a self, name: &'a str) -> (String, &'a str) {
        if let Some(stem) = name.strip_suffix(".md") {
            for (code, _) in &self.others {
                if let Some(base) = stem.strip_suffix(code.as_str())
                    && let Some(base) = base.strip_suffix('.')
                    && !base.is_empty()
                {
                    return (format!("{base}.md"), code);
                }
            }
        }
        (name.to_owned(), &self.default)
    }

    /// The URL prefix of `lang`: `""` for the default language.
    fn prefix(&self, lang: &str) -> &str {
        (self.others.iter())
            .find(|(code, _)| code == lang)
            .map_or("", |(_, prefix)| prefix)
    }

    /// `_index.md` in the default language, `_index.fr.md` in French.
    fn index_name(&self, lang: &str) -> String {
        if lang == self.default {
            HOME.to_owned()
        } else {
            format!("_index.{lang}.md")
        }
    }
}

/// Walks `<root>/content` and loads every page and section. Drafts are left
/// out unless `drafts`; `taxonomies` (declared in `site.toml`) are for
/// hints on unknown keys. Returns every error found, not only the first.
pub(crate) fn load(
    root: &Path,
    drafts: bool,
    taxonomies: &[String],
    languages: &Languages,
) -> Result<Content, Vec<anyhow::Error>> {
    let dir = root.join("content");
    let mut content = Content::default();
    let homes = || {
        let codes =
            std::iter::once(&languages.default).chain(languages.others.iter().map(|(c, _)| c));
        codes
            .map(|lang| home_section(languages, lang))
            .collect::<Vec<_>>()
    };
    if !dir.is_dir() {
        content.sections = homes();
        return Ok(content);
    }
    let mut errors = Vec::new();
    let files = content_files(&dir, &mut errors);
    let (entries, assets) = classify(&files, &dir, languages, &mut content.files, &mut errors);

    // Every section's `rel`, the missing homes of each language included.
    let mut section_rels: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Section { rel } => Some(rel.clone()),
            Entry::Page { .. } => None,
        })
        .collect();
    section_rels.extend(homes().into_iter().map(|h| h.rel));
    let section_dirs = Sections {
        rels: section_rels,
        languages,
    };

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
                    let b = rel
                        .rsplit_once('/')
                        .map_or(rel.as_str(), |(folder, _)| folder);
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
    for home in homes() {
        if !content.sections.iter().any(|s| s.rel == home.rel) {
            content.sections.push(home);
        }
    }
    // The home section first, then the other languages' homes, then by rel.
    let home_rank = |s: &Section| match s.parent {
        None if s.rel == HOME => 0,
        None => 1,
        Some(_) => 2,
    };
    content
        .sections
        .sort_by(|a, b| (home_rank(a), &a.rel).cmp(&(home_rank(b), &b.rel)));
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
    languages: &Languages,
    copied: &mut Vec<(PathBuf, String)>,
    errors: &mut Vec<anyhow::Error>,
) -> (Vec<Entry>, BundleAssets<'a>) {
    // Folders holding an `index.md` are page bundles: everything else in
    // them is an asset of that page.
    let bundles: BTreeSet<&str> = files
        .iter()
        .filter_map(|f| {
            let (folder, name) = f.rsplit_once('/')?;
            (languages.split(name).0 == "index.md").then_some(folder)
        })
        .collect();
    let mut assets: HashMap<&str, Vec<(PathBuf, String)>> = HashMap::new();
    let mut entries = Vec::new();
    for f in files {
        let bundle = ancestors(f).find(|a| bundles.contains(a));
        if let Some(b) = bundle {
            let inside = &f[b.len() + 1..];
            if !inside.contains('/') && languages.split(inside).0 == "index.md" {
                entries.push(Entry::Page {
                    rel: f.clone(),
                    bundle: true,
                });
            } else if !inside.contains('/') && languages.split(inside).0 == HOME {
                errors.push(crate::diagnostic::error(
                    format!("content/{f}"),
                    None,
                    "a folder cannot hold both `index.md` (a page) and `_index.md` (a section)",
                ));
            } else {
                assets
                    .entry(b)
                    .or_default()
                    .push((dir.join(f), inside.to_owned()));
            }
            continue;
        }
        let name = f.rsplit('/').next().unwrap_or(f);
        if languages.split(name).0 == HOME {
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

/// The home section of `lang` when it has no `_index.md`.
fn home_section(languages: &Languages, lang: &str) -> Section {
    let rel = languages.index_name(lang);
    Section {
        source: format!("content/{rel}"),
        rel,
        lang: lang.to_owned(),
        meta: SectionFrontMatter::default(),
        path: format!("{}/", languages.prefix(lang)),
        parent: None,
        body: String::new(),
        body_line: 1,
        exists: false,
    }
}

/// The sections of the site, to find the section holding a file.
struct Sections<'a> {
    /// Every section's `rel`.
    rels: BTreeSet<String>,
    languages: &'a Languages,
}

impl Sections<'_> {
    /// The section of `lang` at folder `dir`, if there is one.
    fn at(&self, dir: &str, lang: &str) -> Option<String> {
        let name = self.languages.index_name(lang);
        let rel = if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        };
        self.rels.contains(&rel).then_some(rel)
    }

    /// The nearest section of `lang` holding folder `dir` (itself
    /// excluded); the language's home at the end.
    fn parent(&self, dir: &str, lang: &str) -> String {
        let mut cur = dir;
        while let Some(i) = cur.rfind('/') {
            cur = &cur[..i];
            if let Some(rel) = self.at(cur, lang) {
                return rel;
            }
        }
        self.languages.index_name(lang)
    }
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
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
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

fn load_section(dir: &Path, rel: &str, sections: &Sections<'_>) -> anyhow::Result<Section> {
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
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lang = sections.languages.split(name).1.to_owned();
    let parent = if sdir.is_empty() {
        None
    } else {
        Some(sections.parent(sdir, &lang))
    };
    Ok(Section {
        source,
        rel: rel.to_owned(),
        path: format!("{}{}", sections.languages.prefix(&lang), dir_path(sdir)),
        lang,
        meta,
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
    sections: &Sections<'_>,
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
    let file_name = rel.rsplit('/').next().unwrap_or(rel);
    let (base_name, lang) = sections.languages.split(file_name);
    let lang = lang.to_owned();
    let own = if bundle {
        rel.rsplit_once('/').map_or(rel, |(folder, _)| folder)
    } else {
        rel
    };
    let (folder, name) = match own.rfind('/') {
        Some(i) => (&own[..i], &own[i + 1..]),
        None => ("", own),
    };
    let name = if bundle { name } else { base_name.as_str() };
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
    let path = format!(
        "{}{}{slug}/",
        sections.languages.prefix(&lang),
        dir_path(folder)
    );
    let section = (sections.at(folder, &lang))
        .unwrap_or_else(|| sections.parent(&format!("{folder}/_"), &lang));
    Ok(Page {
        source,
        rel: rel.to_owned(),
        lang,
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
