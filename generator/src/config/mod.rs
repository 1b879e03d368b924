//! `site.toml`: the site's configuration.

pub(crate) mod forms;
pub(crate) mod highlighting;
pub(crate) mod languages;
pub(crate) mod taxonomies;

pub(crate) use forms::FormConfig;
pub(crate) use languages::LanguageConfig;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::text::line_of;

/// The name of the configuration file at the site root.
pub(crate) const CONFIG_FILE: &str = "site.toml";

/// `site.toml`, as written by the user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    #[serde(default)]
    pub title: String,
    /// Absolute URL the site is served from, e.g. `https://example.org/` or
    /// `https://example.org/docs/` (a sub-path is honoured in every URL).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default)]
    pub description: String,
    /// The default language (`default_language`, or `language`): its
    /// pages are at the site's root, the others' under `/<code>/`.
    #[serde(default = "default_language", alias = "default_language")]
    pub language: String,
    /// `[languages.<code>]`: the site's other languages (and translations
    /// of the default one).
    #[serde(default)]
    pub languages: BTreeMap<String, LanguageConfig>,
    #[serde(default)]
    pub author: String,
    /// Origin of the form API; empty means same origin.
    #[serde(default)]
    pub api_url: String,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// Free-form values passed to templates as `config.extra`.
    #[serde(default)]
    pub extra: toml::Table,
    /// Per-form settings, `[forms.<name>]`.
    #[serde(default)]
    pub forms: BTreeMap<String, FormConfig>,
    /// Minify every HTML file of the output (also `build --minify`).
    #[serde(default)]
    pub minify: bool,
    /// Write `.gz` and `.br` siblings of text files (also `build --precompress`).
    #[serde(default)]
    pub precompress: bool,
    /// Write `atom.xml` and `rss.xml` of the whole site.
    #[serde(default)]
    pub generate_feeds: bool,
    /// Most entries in any feed (site, section, term); 0 means no limit.
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    /// Write `search_index.json`.
    #[serde(default)]
    pub build_search_index: bool,
    /// `[[taxonomies]]`; `tags` exists even when not declared.
    #[serde(default)]
    pub taxonomies: Vec<taxonomies::TaxonomyConfig>,
    /// How the built-in templates show dates (strftime), `config.date_format`.
    #[serde(default = "default_date_format")]
    pub date_format: String,
}

/// `date_format` when `site.toml` does not set it: `May 1, 2024`.
pub(crate) const DEFAULT_DATE_FORMAT: &str = "%B %-d, %Y";

fn default_date_format() -> String {
    DEFAULT_DATE_FORMAT.to_owned()
}

fn default_feed_limit() -> usize {
    20
}

fn default_base_url() -> String {
    "/".to_owned()
}

fn default_language() -> String {
    "en".to_owned()
}

/// `[markdown]` in `site.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct MarkdownConfig {
    /// Curly quotes, en/em dashes and ellipses.
    pub smart_punctuation: bool,
    /// A `#` link inside every heading pointing at the heading's id.
    pub heading_anchors: bool,
    pub tables: bool,
    pub footnotes: bool,
    pub strikethrough: bool,
    pub tasklists: bool,
    /// Highlight fenced code at build time (CSS classes, stylesheet
    /// `syntax-theme.css` written into the output).
    pub highlight_code: bool,
    /// Theme of `syntax-theme.css`, one of syntect's built-in themes.
    pub highlight_theme: String,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        Self {
            smart_punctuation: true,
            heading_anchors: true,
            tables: true,
            footnotes: true,
            strikethrough: true,
            tasklists: true,
            highlight_code: false,
            highlight_theme: crate::config::highlighting::DEFAULT_THEME.to_owned(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            title: String::new(),
            base_url: default_base_url(),
            description: String::new(),
            language: default_language(),
            languages: BTreeMap::new(),
            author: String::new(),
            api_url: String::new(),
            markdown: MarkdownConfig::default(),
            extra: toml::Table::new(),
            forms: BTreeMap::new(),
            minify: false,
            precompress: false,
            generate_feeds: false,
            feed_limit: default_feed_limit(),
            build_search_index: false,
            taxonomies: Vec::new(),
            date_format: default_date_format(),
        }
    }
}

impl Config {
    /// Reads `<root>/site.toml`. A missing file is an error: it is what
    /// marks a folder as a site.
    pub(crate) fn load(root: &Path) -> anyhow::Result<Self> {
        let path = root.join(CONFIG_FILE);
        if !path.exists() {
            anyhow::bail!(
                "{} not found: {} is not a Letterbox site (`letterbox init DIR` makes one; `--root DIR` builds another folder)",
                path.display(),
                root.display()
            );
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses the text of a `site.toml`; `name` is used in messages.
    pub(crate) fn parse(text: &str, name: &str) -> anyhow::Result<Self> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            let message = e.message().trim_end();
            let hint = e
                .span()
                .and_then(|s| unknown_key_hint(text, s.start, message))
                .unwrap_or_default();
            crate::diagnostic::error(name, line, format!("{message}{hint}"))
        })?;
        config.validate(name, text)?;
        forms::locate_tables(&mut config.forms, text);
        if let Err(e) = taxonomies::declared(&config.taxonomies) {
            // The line of the first `[[taxonomies]]`.
            let line = text
                .lines()
                .position(|l| l.trim() == "[[taxonomies]]")
                .map(|i| i + 1);
            return Err(crate::diagnostic::error(name, line, e.to_string()));
        }
        Ok(config)
    }

    fn validate(&self, name: &str, text: &str) -> anyhow::Result<()> {
        let at = |key: &str, message: String| {
            crate::diagnostic::error(name, top_level_key_line(text, key), message)
        };
        let base = self.base_url.trim();
        if !(base.starts_with('/') || base.starts_with("http://") || base.starts_with("https://")) {
            return Err(at(
                "base_url",
                format!(
                    "base_url `{base}` must be an absolute URL (https://example.org/) or a path starting with `/`"
                ),
            ));
        }
        check_api_url(&self.api_url).map_err(|why| at("api_url", why))?;
        let language_key = if top_level_key_line(text, "default_language").is_some() {
            "default_language"
        } else {
            "language"
        };
        languages::check_code(&self.language).map_err(|why| at(language_key, why))?;
        for (code, language) in &self.languages {
            let here = |why: String| {
                crate::diagnostic::error(name, languages::table_line(text, code), why)
            };
            languages::check_code(code)
                .map_err(|why| here(format!("[languages.{code}]: {why}")))?;
            languages::check_form_messages(code, language).map_err(|why| {
                let line = languages::table_line(text, &format!("{code}.form_messages"));
                crate::diagnostic::error(name, line.or(languages::table_line(text, code)), why)
            })?;
            if let Some(taxonomies) = &language.taxonomies {
                taxonomies::declared(taxonomies)
                    .map_err(|why| here(format!("[languages.{code}] taxonomies: {why}")))?;
            }
        }
        check_date_format(&self.date_format).map_err(|why| at("date_format", why))?;
        if self.markdown.highlight_code {
            crate::config::highlighting::theme_css(&self.markdown.highlight_theme).map_err(
                |e| {
                    crate::diagnostic::error(
                        name,
                        table_key_line(text, "markdown", "highlight_theme"),
                        format!("[markdown] {e}"),
                    )
                },
            )?;
        }
        Ok(())
    }

    /// The site's languages other than the default one, in code order.
    pub(crate) fn other_languages(&self) -> Vec<String> {
        (self.languages.keys())
            .filter(|code| **code != self.language)
            .cloned()
            .collect()
    }

    /// Every language of the site, the default one first.
    pub(crate) fn all_languages(&self) -> Vec<String> {
        let mut all = vec![self.language.clone()];
        all.extend(self.other_languages());
        all
    }

    /// `[languages.<lang>]`, if the site has one.
    pub(crate) fn language(&self, lang: &str) -> Option<&LanguageConfig> {
        self.languages.get(lang)
    }

    /// The URL path prefix of a language: `""` for the default one, `/fr`.
    pub(crate) fn lang_prefix(&self, lang: &str) -> String {
        if lang == self.language {
            String::new()
        } else {
            format!("/{lang}")
        }
    }

    /// The site's title in `lang`.
    pub(crate) fn title_in(&self, lang: &str) -> &str {
        (self.language(lang).and_then(|l| l.title.as_deref())).unwrap_or(&self.title)
    }

    /// The site's description in `lang`.
    pub(crate) fn description_in(&self, lang: &str) -> &str {
        (self.language(lang).and_then(|l| l.description.as_deref())).unwrap_or(&self.description)
    }

    /// Whether `lang` has feeds.
    pub(crate) fn feeds_in(&self, lang: &str) -> bool {
        (self.language(lang).and_then(|l| l.generate_feeds)).unwrap_or(self.generate_feeds)
    }

    /// Whether `lang` has a search index.
    pub(crate) fn search_index_in(&self, lang: &str) -> bool {
        (self.language(lang).and_then(|l| l.build_search_index)).unwrap_or(self.build_search_index)
    }

    /// The taxonomies configured for `lang`.
    pub(crate) fn taxonomies_in(&self, lang: &str) -> &[taxonomies::TaxonomyConfig] {
        (self.language(lang).and_then(|l| l.taxonomies.as_deref())).unwrap_or(&self.taxonomies)
    }

    /// The path prefix every URL of the site starts with, without a
    /// trailing slash: `""` for `https://example.org/`, `"/docs"` for
    /// `https://example.org/docs/`.
    pub(crate) fn base_path(&self) -> String {
        let base = self.base_url.trim();
        let path = match base.find("://") {
            Some(i) => {
                let after = &base[i + 3..];
                after.find('/').map_or("", |j| &after[j..])
            }
            None => base,
        };
        path.trim_end_matches('/').to_owned()
    }

    /// `scheme://host[:port]` of `base_url`, or `""` when it is only a path.
    pub(crate) fn origin(&self) -> String {
        let base = self.base_url.trim();
        match base.find("://") {
            Some(i) => {
                let after = &base[i + 3..];
                let end = after.find('/').map_or(base.len(), |j| i + 3 + j);
                base[..end].to_owned()
            }
            None => String::new(),
        }
    }
}

/// `api_url`: empty (same origin) or an absolute http(s) URL. Anything
/// else would make every form post to a path relative to its page.
pub(crate) fn check_api_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    if url.is_empty() || url.starts_with("http://") || url.starts_with("https://") {
        return Ok(());
    }
    let hint = if url.contains("://") || url.starts_with('/') {
        String::new()
    } else {
        format!(" (did you mean `https://{}`?)", url.trim_end_matches('/'))
    };
    Err(format!(
        "api_url `{url}` must be empty (forms post to the site's own origin) or an absolute URL such as https://forms.example.org{hint}"
    ))
}

/// `date_format`: a strftime format that formats a date.
fn check_date_format(format: &str) -> Result<(), String> {
    let sample = jiff::civil::date(2024, 5, 1);
    jiff::fmt::strtime::format(format, sample)
        .map(|_| ())
        .map_err(|e| format!("date_format `{format}` is not a date format: {e}"))
}

/// The 1-based line of `key = …` before the first table header.
fn top_level_key_line(text: &str, key: &str) -> Option<usize> {
    key_line_from(text, 0, key)
}

/// The 1-based line of `key = …` inside `[table]`.
fn table_key_line(text: &str, table: &str, key: &str) -> Option<usize> {
    let header = format!("[{table}]");
    let start = text.lines().position(|l| l.trim() == header)?;
    key_line_from(text, start + 1, key)
}

/// The 1-based line of `key = …` from line index `first` up to the next
/// table header.
fn key_line_from(text: &str, first: usize, key: &str) -> Option<usize> {
    for (i, line) in text.lines().enumerate().skip(first) {
        let line = line.trim_start();
        if line.starts_with('[') {
            return None;
        }
        if let Some(rest) = line.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(i + 1);
        }
    }
    None
}

/// Keys that belong at the top of `site.toml` and in `[markdown]`: a key
/// written under the wrong table gets a hint naming the right one.
const TOP_LEVEL_KEYS: &[&str] = &[
    "title",
    "base_url",
    "description",
    "language",
    "default_language",
    "author",
    "api_url",
    "minify",
    "precompress",
    "generate_feeds",
    "feed_limit",
    "build_search_index",
    "date_format",
];
const MARKDOWN_KEYS: &[&str] = &[
    "smart_punctuation",
    "heading_anchors",
    "tables",
    "footnotes",
    "strikethrough",
    "tasklists",
    "highlight_code",
    "highlight_theme",
];

/// A hint for an unknown key that is known elsewhere in `site.toml`: the
/// table the error is in (read from the text before `offset`) is not the
/// one the key belongs to.
fn unknown_key_hint(text: &str, offset: usize, message: &str) -> Option<String> {
    let key = message.strip_prefix("unknown field `")?.split('`').next()?;
    let before = text.get(..offset)?;
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(['[', ']']).trim());
    if MARKDOWN_KEYS.contains(&key) && table != Some("markdown") {
        return Some(format!("; `{key}` belongs under `[markdown]`"));
    }
    if TOP_LEVEL_KEYS.contains(&key) && table.is_some() {
        return Some(format!(
            "; `{key}` is a top-level key: move it above the first `[table]`"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let config = Config::parse(
            r#"
title = "T"
base_url = "https://example.org/docs/"
description = "D"
language = "fr"
author = "A"
api_url = "https://api.example.org"

[markdown]
smart_punctuation = false

[extra]
nav = ["a", "b"]

[forms.contact]
redirect = "/thanks/"
"#,
            "site.toml",
        )
        .unwrap();
        assert_eq!(config.title, "T");
        assert_eq!(config.language, "fr");
        assert!(!config.markdown.smart_punctuation);
        assert!(config.markdown.tables);
        assert_eq!(
            config.forms["contact"].redirect.as_deref(),
            Some("/thanks/")
        );
        assert_eq!(config.base_path(), "/docs");
        assert_eq!(config.origin(), "https://example.org");
        assert!(config.extra.contains_key("nav"));
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = Config::parse("title = \"x\"\n\ncolour = \"red\"\n", "site.toml").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with("site.toml:3:"), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn unknown_markdown_key_is_an_error() {
        let err = Config::parse("[markdown]\nsmartypants = true\n", "site.toml").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with("site.toml:2:"), "{msg}");
        assert!(msg.contains("smartypants"), "{msg}");
    }

    #[test]
    fn base_paths() {
        let mut c = Config::default();
        assert_eq!(c.base_path(), "");
        c.base_url = "https://example.org".into();
        assert_eq!(c.base_path(), "");
        assert_eq!(c.origin(), "https://example.org");
        c.base_url = "/sub/".into();
        assert_eq!(c.base_path(), "/sub");
        assert_eq!(c.origin(), "");
        c.base_url = "ftp://x".into();
        assert!(c.validate("site.toml", "").is_err());
    }

    #[test]
    fn line_of_counts_newlines() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }

    #[test]
    fn api_url_without_a_scheme_names_line_and_key() {
        let err = Config::parse(
            "title = \"x\"\napi_url = \"forms.example.org\"\n",
            "site.toml",
        )
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.starts_with("site.toml:2: api_url `forms.example.org`"),
            "{msg}"
        );
        assert!(
            msg.contains("did you mean `https://forms.example.org`"),
            "{msg}"
        );
        let located = err.downcast_ref::<crate::diagnostic::Diagnostic>().unwrap();
        assert_eq!(
            (located.file.as_str(), located.line),
            ("site.toml", Some(2))
        );
        for ok in ["", "https://forms.example.org", "http://127.0.0.1:3000/"] {
            let text = format!("api_url = \"{ok}\"\n");
            assert!(Config::parse(&text, "site.toml").is_ok(), "{ok}");
        }
    }

    #[test]
    fn base_url_errors_name_the_line() {
        let err = Config::parse("\nbase_url = \"example.org\"\n", "site.toml").unwrap_err();
        assert!(
            format!("{err:#}").starts_with("site.toml:2: base_url"),
            "{err:#}"
        );
    }

    #[test]
    fn date_format_default_and_validation() {
        assert_eq!(Config::default().date_format, "%B %-d, %Y");
        let c = Config::parse("date_format = \"%d.%m.%Y\"\n", "site.toml").unwrap();
        assert_eq!(c.date_format, "%d.%m.%Y");
        let err = Config::parse("date_format = \"%Q\"\n", "site.toml").unwrap_err();
        assert!(
            format!("{err:#}").starts_with("site.toml:1: date_format"),
            "{err:#}"
        );
    }

    #[test]
    fn keys_under_the_wrong_table_get_a_hint() {
        let err =
            Config::parse("[extra]\nx = 1\n[markdown]\ntitle = \"T\"\n", "site.toml").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with("site.toml:4:"), "{msg}");
        assert!(msg.contains("`title` is a top-level key"), "{msg}");
        let err = Config::parse("highlight_code = true\n", "site.toml").unwrap_err();
        assert!(
            format!("{err:#}").contains("`highlight_code` belongs under `[markdown]`"),
            "{err:#}"
        );
    }
}
