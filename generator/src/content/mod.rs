//! Loading content: walks `content/`, splits and parses front matter, and
//! works out every page's and section's place in the site (slug, URL path,
//! parent section, co-located assets).

pub(crate) mod paginate;
pub(crate) mod taxonomy;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use rayon::prelude::*;
use serde::Deserialize;

use crate::text::{Date, line_of, slugify};

/// Free-form `extra` table of a page or section.
pub(crate) type Extra = serde_json::Map<String, serde_json::Value>;

/// Front matter of a page (any `.md` other than `_index.md`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageFrontMatter {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub date: Option<RawDate>,
    #[serde(default)]
    pub updated: Option<RawDate>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Terms of taxonomies declared in `site.toml`, e.g.
    /// `[taxonomies] categories = ["Guides"]` (`tags` may go here too).
    #[serde(default)]
    pub taxonomies: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub extra: Extra,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest first; undated pages last.
    #[default]
    Date,
    /// Lightest first; pages without a weight last.
    Weight,
    /// Alphabetical by title.
    Title,
}

/// Front matter of a section (`_index.md`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFrontMatter {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub sort_by: SortBy,
    #[serde(default)]
    pub weight: Option<i64>,
    /// Template for the section itself (default `section.html`, or
    /// `index.html` for the home section).
    #[serde(default)]
    pub template: Option<String>,
    /// Default template for the section's pages (default `page.html`).
    #[serde(default)]
    pub page_template: Option<String>,
    /// Split the section's page list into pagers of this many pages
    /// (`/blog/`, `/blog/page/2/`, …).
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// Write `atom.xml` and `rss.xml` of the section's pages.
    #[serde(default)]
    pub generate_feeds: bool,
    #[serde(default)]
    pub extra: Extra,
}

/// A date as written: a string (RFC 3339 or `YYYY-MM-DD`) or a TOML date.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

/// The two front matter syntaxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrontMatterKind {
    /// `+++` … `+++`
    Toml,
    /// `---` … `---`
    Yaml,
}

/// A file split into front matter and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    pub kind: Option<FrontMatterKind>,
    pub front_matter: &'a str,
    /// 1-based line of the front matter's first line in the file.
    pub front_matter_line: usize,
    pub body: &'a str,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
}

/// Splits `text` into front matter and body. A file without a front matter
/// fence is all body. `file` names the file in messages.
pub(crate) fn split_front_matter<'a>(text: &'a str, file: &str) -> anyhow::Result<Split<'a>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = text[..first_line_end].trim_end();
    let (kind, fence) = match first {
        "+++" => (FrontMatterKind::Toml, "+++"),
        "---" => (FrontMatterKind::Yaml, "---"),
        _ => {
            return Ok(Split {
                kind: None,
                front_matter: "",
                front_matter_line: 1,
                body: text,
                body_line: 1,
            });
        }
    };
    let mut pos = first_line_end;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        if text[pos..end].trim_end() == fence {
            return Ok(Split {
                kind: Some(kind),
                front_matter: &text[first_line_end..pos],
                front_matter_line: 2,
                body: &text[end..],
                body_line: line_of(text, end),
            });
        }
        pos = end;
    }
    Err(crate::diagnostic::error(
        file,
        Some(1),
        format!("front matter opened with `{fence}` is never closed by a `{fence}` line"),
    ))
}

/// Parses front matter text of either kind into `T`, with errors naming
/// `file` and the line.
#[cfg_attr(not(feature = "serve"), allow(dead_code))] // serve's fast rebuilds
pub(crate) fn parse_front_matter<T>(split: &Split<'_>, file: &str) -> anyhow::Result<T>
where
    T: for<'de> Deserialize<'de> + Default,
{
    parse_front_matter_with(split, file, &Hints::default())
}

/// What near-miss hints need to know: whether the file is a section's
/// `_index.md`, and the taxonomies `site.toml` declares.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hints {
    pub section: bool,
    pub taxonomies: Vec<String>,
}

/// [`parse_front_matter`], with a hint for a near miss (a key that
/// belongs elsewhere) added to an unknown-key error.
pub(crate) fn parse_front_matter_with<T>(
    split: &Split<'_>,
    file: &str,
    hints: &Hints,
) -> anyhow::Result<T>
where
    T: for<'de> Deserialize<'de> + Default,
{
    let offset = split.front_matter_line - 1;
    let fail = |line: Option<usize>, message: &str| {
        let hint = unknown_key(message)
            .and_then(|key| hints.hint(key))
            .or_else(|| line.and_then(|l| wrong_table_hint(split, l, hints.section)))
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        crate::diagnostic::error(file, line, format!("front matter: {message}{hint}"))
    };
    match split.kind {
        None => Ok(T::default()),
        Some(FrontMatterKind::Toml) => toml::from_str(split.front_matter).map_err(|e| {
            let line = e
                .span()
                .map(|s| line_of(split.front_matter, s.start) + offset);
            fail(line, e.message().trim_end())
        }),
        Some(FrontMatterKind::Yaml) => {
            if split.front_matter.trim().is_empty() {
                return Ok(T::default());
            }
            serde_saphyr::from_str(split.front_matter).map_err(|e| {
                let line = e.location().map(|l| l.line() as usize + offset);
                let message = e.to_string();
                // The YAML crate's message repeats the location on its own
                // first line; keep the meaningful text only.
                fail(line, &yaml_message(&message))
            })
        }
    }
}

/// Keys of a page's front matter.
const PAGE_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "draft",
    "slug",
    "weight",
    "template",
    "tags",
    "aliases",
    "taxonomies",
    "extra",
];
/// Keys of a section's front matter.
const SECTION_KEYS: &[&str] = &[
    "title",
    "description",
    "sort_by",
    "weight",
    "template",
    "page_template",
    "paginate_by",
    "generate_feeds",
    "extra",
];

/// The key of an ``unknown field `x` `` message.
fn unknown_key(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `")?.split('`').next()
}

impl Hints {
    /// A hint for unknown key `key`: a taxonomy, a key of the other kind
    /// of file, or a typo of a known key.
    fn hint(&self, key: &str) -> Option<String> {
        let (own, other) = if self.section {
            (SECTION_KEYS, PAGE_KEYS)
        } else {
            (PAGE_KEYS, SECTION_KEYS)
        };
        if !self.section {
            if self.taxonomies.iter().any(|t| t == key) {
                return Some(format!(
                    "`{key}` is a taxonomy: list its terms under `[taxonomies]` (`[taxonomies]` then `{key} = [\"…\"]` at the end of the front matter)"
                ));
            }
            if ["tag", "tagged", "keywords", "labels"].contains(&key) {
                return Some("did you mean `tags`?".to_owned());
            }
            if ["category", "categories", "series", "topics"].contains(&key) {
                return Some(format!(
                    "to use `{key}` as a taxonomy, declare it in site.toml (`[[taxonomies]]` with `name = \"{key}\"`) and list its terms under `[taxonomies]`"
                ));
            }
        }
        if other.contains(&key) && !own.contains(&key) {
            return Some(if self.section {
                format!("`{key}` is a page key; a section (`_index.md`) does not take it")
            } else {
                format!(
                    "`{key}` is a section key: it goes in the front matter of the section's `_index.md`"
                )
            });
        }
        own.iter()
            .find(|k| edit_distance(k, key) <= 2 && key.len() > 2)
            .map(|k| format!("did you mean `{k}`?"))
    }
}

/// When the error is on a line inside a `[table]` (TOML front matter) and
/// its key is one of the file's own top-level keys: it was written below
/// a table, which took it in.
fn wrong_table_hint(split: &Split<'_>, line: usize, section: bool) -> Option<String> {
    let index = line.checked_sub(split.front_matter_line)?;
    let lines: Vec<&str> = split.front_matter.lines().collect();
    let text = lines.get(index)?.trim();
    let key = text.split('=').next()?.trim();
    let table = lines[..index]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))?;
    let own = if section { SECTION_KEYS } else { PAGE_KEYS };
    (text.contains('=') && own.contains(&key)).then(|| {
        format!("`{key}` is inside `{table}`; move it above `{table}` (keys after a table header belong to that table)")
    })
}

/// Levenshtein distance, for "did you mean" hints on short keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        // `diagonal` is the previous row's value at `j`; `row[j]` already
        // holds this row's.
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (diagonal + cost).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Keys of a page written under its `[extra]` table that are page keys: a
/// `title` there sets `page.extra.title`, not the title. For a warning.
pub(crate) fn keys_in_extra(split: &Split<'_>, extra: &Extra) -> Vec<(String, Option<usize>)> {
    let mut found = Vec::new();
    let mut in_extra = false;
    for (i, line) in split.front_matter.lines().enumerate() {
        let text = line.trim();
        if text.starts_with('[') {
            in_extra = text == "[extra]";
            continue;
        }
        if split.kind == Some(FrontMatterKind::Toml) && in_extra {
            let key = text.split('=').next().unwrap_or_default().trim();
            if [
                "title",
                "description",
                "date",
                "draft",
                "tags",
                "template",
                "slug",
            ]
            .contains(&key)
                && extra.contains_key(key)
            {
                found.push((key.to_owned(), Some(i + split.front_matter_line)));
            }
        }
    }
    found
}

/// The YAML crate's message without its `error: line L column C:` prefix
/// and the source excerpt that follows it (the location is reported
/// separately, relative to the whole file).
fn yaml_message(full: &str) -> String {
    let first = full.lines().next().unwrap_or_default().trim();
    let first = first.strip_prefix("error:").unwrap_or(first).trim_start();
    match first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((location, message)) if location.contains("column") => message.to_owned(),
        _ => first.to_owned(),
    }
}

/// 1-based line of `key` (at the start of a line) in the front matter, for
/// errors found after parsing, such as a bad date.
fn key_line(split: &Split<'_>, key: &str) -> Option<usize> {
    split
        .front_matter
        .lines()
        .enumerate()
        .find_map(|(i, line)| {
            let rest = line.trim_start().strip_prefix(key)?;
            let rest = rest.trim_start();
            (rest.starts_with('=') || rest.starts_with(':')).then_some(i + split.front_matter_line)
        })
}

fn parse_date(
    raw: &Option<RawDate>,
    key: &str,
    split: &Split<'_>,
    file: &str,
) -> anyhow::Result<Option<Date>> {
    let text = match raw {
        None => return Ok(None),
        Some(RawDate::Text(t)) => t.clone(),
        Some(RawDate::Toml(d)) => d.to_string(),
    };
    Date::parse(&text).map(Some).map_err(|e| {
        crate::diagnostic::error(file, key_line(split, key), format!("bad `{key}`: {e}"))
    })
}

/// Checks a slug or alias path given in front matter stays inside the
/// output folder: no `..`, no `.`, no backslashes, nothing empty.
pub(crate) fn check_relative_path(path: &str) -> Result<(), String> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return Err("it is empty".to_owned());
    }
    if path.contains('\\') || path.contains(':') {
        return Err("it contains `\\` or `:`".to_owned());
    }
    for segment in trimmed.split('/') {
        match segment {
            "" => return Err("it contains an empty path segment (`//`)".to_owned()),
            "." | ".." => return Err("it would escape the output folder".to_owned()),
            _ => {}
        }
    }
    Ok(())
}

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
    let mut files: Vec<String> = Vec::new();
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
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
        let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
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
    for f in &files {
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
            content.files.push((dir.join(f), f.clone()));
        }
    }

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
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
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
        eprintln!(
            "warning: {}: `{key}` is inside `[extra]`, so it sets page.extra.{key}, not the page's {key}; move it above `[extra]`",
            crate::diagnostic::place(&source, line)
        );
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn splits_toml_and_yaml() {
        let s = split_front_matter("+++\ntitle = \"a\"\n+++\nbody\n", "f").unwrap();
        assert_eq!(s.kind, Some(FrontMatterKind::Toml));
        assert_eq!(s.front_matter, "title = \"a\"\n");
        assert_eq!(s.body, "body\n");
        let s = split_front_matter("---\r\ntitle: a\r\n---\r\nbody", "f").unwrap();
        assert_eq!(s.kind, Some(FrontMatterKind::Yaml));
        assert_eq!(s.body, "body");
        let s = split_front_matter("# just markdown\n", "f").unwrap();
        assert_eq!(s.kind, None);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let e = split_front_matter("+++\ntitle = 1\n", "content/a.md").unwrap_err();
        assert!(e.to_string().starts_with("content/a.md:1:"), "{e}");
    }

    #[test]
    fn toml_syntax_error_has_file_line() {
        let split =
            split_front_matter("+++\ntitle = \"a\"\ndate = = 3\n+++\n", "content/a.md").unwrap();
        let e = parse_front_matter::<PageFrontMatter>(&split, "content/a.md").unwrap_err();
        assert!(e.to_string().starts_with("content/a.md:3:"), "{e}");
    }

    #[test]
    fn unknown_keys_are_errors_in_both_syntaxes() {
        let split = split_front_matter("+++\ntitle = \"a\"\n\ncolour = 1\n+++\n", "a.md").unwrap();
        let e = parse_front_matter::<PageFrontMatter>(&split, "a.md")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("a.md:4:") && e.contains("colour"), "{e}");
        let split = split_front_matter("---\ntitle: a\ncolour: 1\n---\n", "b.md").unwrap();
        let e = parse_front_matter::<PageFrontMatter>(&split, "b.md")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("b.md:3: front matter: unknown field `colour`"),
            "{e}"
        );
    }

    #[test]
    fn yaml_front_matter_fields() {
        let split = split_front_matter(
            "---\ntitle: Hello\ndate: 2024-05-01\ntags: [a, b]\nextra:\n  hero: x.png\n---\n",
            "b.md",
        )
        .unwrap();
        let fm: PageFrontMatter = parse_front_matter(&split, "b.md").unwrap();
        assert_eq!(fm.title.as_deref(), Some("Hello"));
        assert_eq!(fm.tags, ["a", "b"]);
        assert_eq!(fm.extra["hero"], "x.png");
        let d = parse_date(&fm.date, "date", &split, "b.md")
            .unwrap()
            .unwrap();
        assert_eq!(d.text, "2024-05-01");
    }

    #[test]
    fn toml_native_dates_and_strings() {
        let split = split_front_matter(
            "+++\ndate = 2024-05-01\nupdated = \"2024-05-02T10:00:00+02:00\"\n+++\n",
            "a.md",
        )
        .unwrap();
        let fm: PageFrontMatter = parse_front_matter(&split, "a.md").unwrap();
        let d = parse_date(&fm.date, "date", &split, "a.md")
            .unwrap()
            .unwrap();
        assert_eq!(d.text, "2024-05-01");
        let u = parse_date(&fm.updated, "updated", &split, "a.md")
            .unwrap()
            .unwrap();
        assert!(u.timestamp > d.timestamp);
    }

    #[test]
    fn bad_date_names_line() {
        let split =
            split_front_matter("+++\ntitle = \"x\"\ndate = \"May 1st\"\n+++\n", "a.md").unwrap();
        let fm: PageFrontMatter = parse_front_matter(&split, "a.md").unwrap();
        let e = parse_date(&fm.date, "date", &split, "a.md")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("a.md:3: bad `date`"), "{e}");
    }

    #[test]
    fn dates() {
        assert_eq!(Date::parse("2024-01-02").unwrap().timestamp, 1_704_153_600);
        assert_eq!(
            Date::parse("2024-01-02T00:00:00Z").unwrap().timestamp,
            1_704_153_600
        );
        assert_eq!(
            Date::parse("2024-01-02T01:00:00+01:00").unwrap().timestamp,
            1_704_153_600
        );
        assert_eq!(
            Date::parse("2024-01-02T00:00:00").unwrap().timestamp,
            1_704_153_600
        );
        assert!(Date::parse("2024-13-02").is_err());
        assert!(Date::parse("yesterday").is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("Çà et là"), "ca-et-la");
        assert_eq!(slugify("  --x--  "), "x");
        assert_eq!(slugify("snake_case"), "snake_case");
    }

    #[test]
    fn relative_paths() {
        assert!(check_relative_path("a/b").is_ok());
        assert!(check_relative_path("/old/url/").is_ok());
        assert!(check_relative_path("../x").is_err());
        assert!(check_relative_path("a/../../x").is_err());
        assert!(check_relative_path("").is_err());
        assert!(check_relative_path("a\\b").is_err());
        assert!(check_relative_path("a//b").is_err());
    }

    #[test]
    fn ancestors_of_a_path() {
        assert_eq!(ancestors("a/b/c.md").collect::<Vec<_>>(), ["a/b", "a"]);
        assert_eq!(ancestors("c.md").count(), 0);
    }

    #[test]
    fn a_day_that_does_not_exist_is_named() {
        let e = Date::parse("2026-02-30").unwrap_err();
        assert_eq!(
            e,
            "`2026-02-30` is not a date: day 30 does not exist: February 2026 has 28 days"
        );
        let e = Date::parse("2024-13-01").unwrap_err();
        assert!(e.contains("there is no month 13"), "{e}");
        assert!(
            Date::parse("May 1st")
                .unwrap_err()
                .contains("use YYYY-MM-DD")
        );
        assert!(Date::parse("2024-02-29").is_ok());
    }

    fn page_error(front_matter: &str, hints: &Hints) -> String {
        let text = format!("+++\n{front_matter}+++\n");
        let split = split_front_matter(&text, "content/a.md").unwrap();
        let e = if hints.section {
            parse_front_matter_with::<SectionFrontMatter>(&split, "content/a.md", hints).map(|_| ())
        } else {
            parse_front_matter_with::<PageFrontMatter>(&split, "content/a.md", hints).map(|_| ())
        };
        format!("{:#}", e.unwrap_err())
    }

    #[test]
    fn near_misses_in_front_matter_get_hints() {
        let page = Hints {
            section: false,
            taxonomies: vec!["tags".into(), "categories".into()],
        };
        let e = page_error("title = \"a\"\ncategories = [\"x\"]\n", &page);
        assert!(
            e.starts_with("content/a.md:3: front matter: unknown field `categories`"),
            "{e}"
        );
        assert!(
            e.contains("`categories` is a taxonomy: list its terms under `[taxonomies]`"),
            "{e}"
        );
        let e = page_error("tag = [\"x\"]\n", &page);
        assert!(e.contains("did you mean `tags`?"), "{e}");
        let e = page_error("sort_by = \"date\"\n", &page);
        assert!(e.contains("`sort_by` is a section key"), "{e}");
        let e = page_error("titel = \"x\"\n", &page);
        assert!(e.contains("did you mean `title`?"), "{e}");
        let section = Hints {
            section: true,
            taxonomies: Vec::new(),
        };
        let e = page_error("date = 2024-01-01\n", &section);
        assert!(e.contains("`date` is a page key"), "{e}");
        let e = page_error("[taxonomies]\ntags = [\"a\"]\ndate = 2024-01-01\n", &page);
        assert!(e.starts_with("content/a.md:4:"), "{e}");
        assert!(
            e.contains("`date` is inside `[taxonomies]`; move it above"),
            "{e}"
        );
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("title", "titel"), 2);
        assert_eq!(edit_distance("tags", "tag"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("date", "date"), 0);
    }

    #[test]
    fn page_keys_under_extra_are_found() {
        let text = "+++\ndate = 2024-01-01\n[extra]\ntitle = \"x\"\nhero = 1\n+++\n";
        let split = split_front_matter(text, "a.md").unwrap();
        let fm: PageFrontMatter = parse_front_matter(&split, "a.md").unwrap();
        assert_eq!(
            keys_in_extra(&split, &fm.extra),
            [("title".to_owned(), Some(4))]
        );
    }
}
