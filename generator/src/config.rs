//! `site.toml`: the site's configuration.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

use crate::forms::FormConfig;

/// The name of the configuration file at the site root.
pub const CONFIG_FILE: &str = "site.toml";

/// `site.toml`, as written by the user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub title: String,
    /// Absolute URL the site is served from, e.g. `https://example.org/` or
    /// `https://example.org/docs/` (a sub-path is honoured in every URL).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub language: String,
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
    pub taxonomies: Vec<crate::taxonomy::TaxonomyConfig>,
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
pub struct MarkdownConfig {
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
            highlight_theme: crate::highlight::DEFAULT_THEME.to_owned(),
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
        }
    }
}

impl Config {
    /// Reads `<root>/site.toml`. A missing file is an error: it is what
    /// marks a folder as a site.
    pub fn load(root: &Path) -> anyhow::Result<Self> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses the text of a `site.toml`; `name` is used in messages.
    pub fn parse(text: &str, name: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            anyhow::anyhow!("{}: {}", locate(name, line), e.message().trim_end())
        })?;
        config.validate(name)?;
        if let Err(e) = crate::taxonomy::declared(&config.taxonomies) {
            // The line of the first `[[taxonomies]]`.
            let line = text
                .lines()
                .position(|l| l.trim() == "[[taxonomies]]")
                .map(|i| i + 1);
            bail!("{}: {e}", locate(name, line));
        }
        Ok(config)
    }

    fn validate(&self, name: &str) -> anyhow::Result<()> {
        let base = self.base_url.trim();
        if !(base.starts_with('/') || base.starts_with("http://") || base.starts_with("https://")) {
            bail!(
                "{name}: base_url `{base}` must be an absolute URL (https://example.org/) or a path starting with `/`"
            );
        }
        if self.markdown.highlight_code {
            crate::highlight::theme_css(&self.markdown.highlight_theme)
                .map_err(|e| anyhow::anyhow!("{name}: [markdown] {e}"))?;
        }
        Ok(())
    }

    /// The path prefix every URL of the site starts with, without a
    /// trailing slash: `""` for `https://example.org/`, `"/docs"` for
    /// `https://example.org/docs/`.
    pub fn base_path(&self) -> String {
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
    pub fn origin(&self) -> String {
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

/// 1-based line of byte offset `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// `file:line` or just `file`.
pub fn locate(file: &str, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    }
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
        assert!(c.validate("site.toml").is_err());
    }

    #[test]
    fn line_of_counts_newlines() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
