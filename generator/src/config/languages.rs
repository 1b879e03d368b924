//! `default_language` and `[languages.<code>]` in `site.toml`: the
//! languages of a multilingual site and what each one overrides.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::taxonomies::TaxonomyConfig;

/// One `[languages.<code>]` table: what this language overrides of the
/// top-level settings, and its strings for `trans()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LanguageConfig {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Write `<code>/atom.xml` and `<code>/rss.xml` of this language's pages.
    pub generate_feeds: Option<bool>,
    /// Write `search_index.<code>.json`.
    pub build_search_index: Option<bool>,
    /// This language's taxonomies (default: the top-level ones).
    pub taxonomies: Option<Vec<TaxonomyConfig>>,
    /// `[languages.<code>.translations]`: key → text, for `trans()`.
    #[serde(default)]
    pub translations: BTreeMap<String, String>,
    /// `[languages.<code>.form_messages]`: the form API's validation
    /// messages in this language, by message id (`required`, `minlength`…),
    /// `{}` standing for each value the English message shows.
    #[serde(default)]
    pub form_messages: BTreeMap<String, String>,
}

/// Checks `[languages.<code>.form_messages]`: every key a message id.
pub(crate) fn check_form_messages(code: &str, language: &LanguageConfig) -> Result<(), String> {
    match (language.form_messages.keys()).find(|id| !letterbox_forms::validate::is_message_id(id)) {
        Some(id) => Err(format!(
            "[languages.{code}.form_messages]: `{id}` is no form message (ids such as `required`, `minlength`, `email`, `pattern`; see the README)"
        )),
        None => Ok(()),
    }
}

/// Whether `code` is a language code Letterbox accepts: a BCP 47-like tag
/// of ASCII letters and digits, `en`, `fr`, `pt-BR`, `zh-Hant`.
pub(crate) fn check_code(code: &str) -> Result<(), String> {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or_default();
    let primary = (2..=3).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_lowercase());
    let rest =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary && rest {
        Ok(())
    } else {
        Err(format!(
            "`{code}` is not a language code: use a lowercase ISO 639 code such as `en`, `fr` or `pt-BR`"
        ))
    }
}

/// The 1-based line of `[languages.<code>]` (or the first line that names
/// `languages.<code>`) in `text`.
pub(crate) fn table_line(text: &str, code: &str) -> Option<usize> {
    let exact = [
        format!("[languages.{code}]"),
        format!("[languages.\"{code}\"]"),
    ];
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    (lines.iter().position(|l| exact.iter().any(|e| e == l)))
        .or_else(|| {
            lines
                .iter()
                .position(|l| l.contains(&format!("languages.{code}")))
        })
        .or_else(|| lines.iter().position(|l| l.starts_with("[languages")))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for ok in ["en", "fr", "pt-BR", "zh-Hant", "gsw"] {
            assert!(check_code(ok).is_ok(), "{ok}");
        }
        for bad in ["", "EN", "f", "fr_FR", "french", "fr-", "x/y"] {
            assert!(check_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lines_of_tables() {
        let text = "title = \"x\"\n[languages.fr]\ntitle = \"y\"\n[languages.de.translations]\n";
        assert_eq!(table_line(text, "fr"), Some(2));
        assert_eq!(table_line(text, "de"), Some(4));
    }
}
