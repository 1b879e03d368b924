//! Front matter: splitting it from the body (TOML `+++` or YAML `---`),
//! parsing it with errors at their line and near-miss hints, dates.

use crate::text::{Date, line_of};
use serde::Deserialize;

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
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
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
pub(super) fn key_line(split: &Split<'_>, key: &str) -> Option<usize> {
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

pub(super) fn parse_date(
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
