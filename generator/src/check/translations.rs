//! Translation keys missing in a language: every key of any
//! `[languages.<code>.translations]` should be in every language.

use std::collections::BTreeSet;

use super::report::{CheckReport, Problem, ProblemKind};
use crate::config::{CONFIG_FILE, Config, languages};

/// One problem per (language, key) that another language has and this
/// one lacks, at the line of that language's table in `site.toml` (`text`).
pub(super) fn check_translations(config: &Config, text: &str, report: &mut CheckReport) {
    let all = config.all_languages();
    if all.len() < 2 && config.languages.values().all(|l| l.translations.is_empty()) {
        return;
    }
    let keys: BTreeSet<&str> = (config.languages.values())
        .flat_map(|l| l.translations.keys().map(String::as_str))
        .collect();
    for lang in &all {
        let mine = config.language(lang).map(|l| &l.translations);
        let missing = keys
            .iter()
            .filter(|k| mine.is_none_or(|m| !m.contains_key(**k)));
        for key in missing {
            let line = languages::table_line(text, &format!("{lang}.translations"))
                .or_else(|| languages::table_line(text, lang));
            report.problems.push(Problem {
                kind: ProblemKind::Translation,
                file: CONFIG_FILE.to_owned(),
                line,
                message: format!(
                    "`{key}` has no translation in `{lang}` (add it under [languages.{lang}.translations])"
                ),
            });
        }
    }
}
