//! Errors at a place in a source file. The place is data (file, line,
//! column), so `letterbox check` and the build's summary read it from the
//! error instead of parsing it back out of the message.

use std::fmt;

/// A problem in `file`, at `line` and `column` when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// Source file as shown to the user: `content/blog/a.md`,
    /// `templates/base.html`, `(built-in) page.html`, `site.toml`.
    pub file: String,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based.
    pub column: Option<usize>,
    pub message: String,
    /// Lines shown under the message, such as a template's source excerpt.
    pub detail: Option<String>,
    /// Template errors: the files being rendered when it happened (several
    /// when one template error broke many pages).
    pub rendering: Vec<String>,
}

impl Diagnostic {
    /// A problem in `file` at `line`, if known.
    pub(crate) fn new(
        file: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            column: None,
            message: message.into(),
            detail: None,
            rendering: Vec::new(),
        }
    }

    /// `file:line[:column]`.
    pub(crate) fn place(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.file),
            (Some(line), None) => format!("{}:{line}", self.file),
            _ => self.file.clone(),
        }
    }

    /// The message with what was being rendered, without the place.
    pub(crate) fn text(&self) -> String {
        let mut text = self.message.clone();
        match self.rendering.as_slice() {
            [] => {}
            [one] => text.push_str(&format!(" (while rendering {one})")),
            many => {
                const SHOWN: usize = 3;
                let mut unique: Vec<&str> = Vec::new();
                for name in many {
                    if !unique.contains(&name.as_str()) {
                        unique.push(name);
                    }
                }
                let names = unique[..unique.len().min(SHOWN)].join(", ");
                let more = unique.len().saturating_sub(SHOWN);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                text.push_str(&format!(
                    " (while rendering {} files: {names}{more})",
                    many.len()
                ));
            }
        }
        if let Some(detail) = &self.detail {
            text.push('\n');
            text.push_str(detail);
        }
        text
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place(), self.text())
    }
}

impl std::error::Error for Diagnostic {}

/// Prints a warning (`warning: file:line: message`): a problem that does
/// not fail the build.
pub(crate) fn warn(diagnostic: &Diagnostic) {
    eprintln!("warning: {diagnostic}");
}

/// A [`Diagnostic`] as an `anyhow::Error`.
pub(crate) fn error(
    file: impl Into<String>,
    line: Option<usize>,
    message: impl Into<String>,
) -> anyhow::Error {
    anyhow::Error::new(Diagnostic::new(file, line, message))
}

/// Template errors that differ only in the file being rendered (an error in
/// `base.html` breaks every page) become one, naming how many files it
/// broke; other errors are kept as they are, in order.
pub(crate) fn merge_repeated(errors: Vec<anyhow::Error>) -> Vec<anyhow::Error> {
    let mut out: Vec<anyhow::Error> = Vec::with_capacity(errors.len());
    let mut merged: Vec<(usize, Diagnostic)> = Vec::new();
    for error in errors {
        let Some(located) = error
            .downcast_ref::<Diagnostic>()
            .filter(|l| !l.rendering.is_empty())
        else {
            out.push(error);
            continue;
        };
        let same = |l: &Diagnostic| {
            (&l.file, l.line, l.column, &l.message, &l.detail)
                == (
                    &located.file,
                    located.line,
                    located.column,
                    &located.message,
                    &located.detail,
                )
        };
        match merged.iter_mut().find(|(_, l)| same(l)) {
            Some((_, first)) => first.rendering.extend(located.rendering.iter().cloned()),
            None => {
                merged.push((out.len(), located.clone()));
                out.push(error);
            }
        }
    }
    for (index, located) in merged {
        if let Some(slot) = out.get_mut(index) {
            *slot = anyhow::Error::new(located);
        }
    }
    out
}

/// Every error of a failed build.
#[derive(Debug)]
pub struct BuildError {
    pub errors: Vec<anyhow::Error>,
}

impl From<anyhow::Error> for BuildError {
    fn from(e: anyhow::Error) -> Self {
        Self { errors: vec![e] }
    }
}

impl From<Vec<anyhow::Error>> for BuildError {
    fn from(errors: Vec<anyhow::Error>) -> Self {
        Self {
            errors: merge_repeated(errors),
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            writeln!(f, "error: {e:#}")?;
        }
        let n = self.errors.len();
        write!(
            f,
            "build failed with {n} error{}",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for BuildError {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn places_and_text() {
        let mut l = Diagnostic::new("templates/base.html", Some(2), "boom");
        l.column = Some(11);
        assert_eq!(l.to_string(), "templates/base.html:2:11: boom");
        l.rendering = vec!["content/a.md".into()];
        assert_eq!(
            l.to_string(),
            "templates/base.html:2:11: boom (while rendering content/a.md)"
        );
        assert_eq!(
            Diagnostic::new("site.toml", None, "x").to_string(),
            "site.toml: x"
        );
    }

    #[test]
    fn one_template_error_for_many_pages_is_reported_once() {
        let at = |page: &str| {
            let mut l = Diagnostic::new(
                "templates/base.html",
                Some(2),
                "Field `nope` is not defined",
            );
            l.rendering = vec![page.to_owned()];
            anyhow::Error::new(l)
        };
        let errors = vec![
            at("content/a.md"),
            error("content/x.md", Some(1), "other"),
            at("content/b.md"),
            at("content/c.md"),
            at("content/d.md"),
        ];
        let merged = merge_repeated(errors);
        assert_eq!(merged.len(), 2);
        let text = merged[0].to_string();
        assert_eq!(
            text,
            "templates/base.html:2: Field `nope` is not defined (while rendering 4 files: \
             content/a.md, content/b.md, content/c.md and 1 more)"
        );
        assert_eq!(merged[1].to_string(), "content/x.md:1: other");
    }
}
