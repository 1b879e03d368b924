//! The state of one page's form discovery, shared by the rewriter's
//! handlers: where a form's problems are in the source file (their line),
//! and the checks once the page is read. Reading the controls themselves is
//! in `controls.rs`.

use super::settings::{FormSettings, FormSource};
use crate::diagnostic::{Diagnostic, warn};
use letterbox_forms::Form;
use letterbox_forms::validate::{check_form, compile_patterns, pattern_warnings};

/// State of one page's discovery, shared by the rewriter's handlers.
pub(super) struct Discovery {
    /// The source file.
    pub(super) file: String,
    /// Its Markdown body and first line (owned: the rewriter's end-tag
    /// handlers must be `'static`).
    pub(super) body: Option<(String, usize)>,
    pub(super) current: Option<Form>,
    /// Index into `current.fields` of the open `<select>`.
    pub(super) open_select: Option<usize>,
    /// Text of an `<option>` without a `value` attribute, being collected.
    pub(super) pending_option: Option<String>,
    pub(super) finished: Vec<Form>,
    pub(super) errors: Vec<anyhow::Error>,
    pub(super) warnings_for_empty: Vec<String>,
    /// `<input>`, `<textarea>`, `<select>` elements seen in the open form,
    /// to find a nameless one's line.
    pub(super) seen: [usize; 3],
    /// `form/name` pairs already warned about by [`Self::warn_shadowing`].
    pub(super) shadow_warned: std::collections::HashSet<String>,
    /// The open form's CAPTCHA widget, until it is placed before its first
    /// submit button (or at its end).
    pub(super) pending_widget: Option<String>,
}

impl Discovery {
    pub(super) fn new(source: FormSource<'_>) -> Self {
        Self {
            file: source.file.to_owned(),
            body: source.body.map(|(b, l)| (b.to_owned(), l)),
            current: None,
            open_select: None,
            pending_option: None,
            finished: Vec::new(),
            errors: Vec::new(),
            warnings_for_empty: Vec::new(),
            seen: [0; 3],
            shadow_warned: Default::default(),
            pending_widget: None,
        }
    }

    /// The line of the `n`th (1-based) `needle` after form `form`'s start.
    pub(super) fn nth_line(&self, form: &str, needle: &str, n: usize) -> Option<usize> {
        let (body, first_line) = self.body.as_ref()?;
        let start = body.find(&format!("data-form=\"{form}\""))?;
        let mut at = start;
        for _ in 0..n {
            at += body[at..].find(needle)? + 1;
        }
        Some(body[..at].matches('\n').count() + *first_line)
    }

    /// The line in the source file of form `form` (its `data-form`), or of
    /// `needle` (such as `name="email"`) after it, when the Markdown body
    /// holds them.
    pub(super) fn line(&self, form: &str, needle: Option<&str>) -> Option<usize> {
        let (body, first_line) = self.body.as_ref()?;
        let start = body.find(&format!("data-form=\"{form}\""))?;
        let at = match needle {
            Some(needle) => start + body[start..].find(needle)?,
            None => start,
        };
        Some(body[..at].matches('\n').count() + *first_line)
    }

    /// A problem of form `form`, at the line of `needle` (else the form's).
    pub(super) fn problem(&self, form: &str, needle: Option<&str>, message: &str) -> anyhow::Error {
        let line =
            (needle.and_then(|n| self.line(form, Some(n)))).or_else(|| self.line(form, None));
        crate::diagnostic::error(&self.file, line, format!("form \"{form}\": {message}"))
    }

    /// Warns about form `form` at the line of `needle` after its start
    /// (else at the form's line).
    pub(super) fn warn(&self, form: &str, needle: Option<&str>, message: &str) {
        let line =
            (needle.and_then(|n| self.line(form, Some(n)))).or_else(|| self.line(form, None));
        warn(&Diagnostic::new(
            &self.file,
            line,
            format!("form \"{form}\": {message}"),
        ));
    }

    pub(super) fn error(&mut self, message: String) {
        self.field_error(None, message);
    }

    /// An error about field `field` of the open form.
    pub(super) fn field_error(&mut self, field: Option<&str>, message: String) {
        let form = self.current.as_ref().map_or("?", |f| f.name.as_str());
        let needle = field.map(|f| format!("name=\"{f}\""));
        let error = self.problem(form, needle.as_deref(), &message);
        self.errors.push(error);
    }

    /// Applies `site.toml` overrides, checks every form, and returns them or
    /// every problem found.
    pub(super) fn finish(
        mut self,
        settings: &FormSettings,
    ) -> Result<Vec<Form>, Vec<anyhow::Error>> {
        if let Some(open) = self.current.take() {
            let error = self.problem(&open.name, None, "has no closing </form> tag");
            self.errors.push(error);
        }
        let mut errors = std::mem::take(&mut self.errors);
        for form in &mut self.finished {
            if let Some(config) = settings.overrides.get(&form.name) {
                if let Some(redirect) = &config.redirect {
                    form.redirect = Some(redirect.clone());
                }
                if let Some(auth) = config.auth {
                    form.auth = auth;
                }
                for problem in super::notify::apply(form, config) {
                    errors.push(crate::diagnostic::error(
                        crate::config::CONFIG_FILE,
                        config.line,
                        problem,
                    ));
                }
            }
        }
        let mut compiled_fields = Vec::new();
        for form in &self.finished {
            let name = form.name.as_str();
            if form.field(&form.honeypot).is_some() {
                errors.push(self.problem(
                    name,
                    Some(&format!("name=\"{}\"", form.honeypot)),
                    &format!(
                        "a field is named \"{}\" like the honeypot; set data-honeypot=\"...\" to another name",
                        form.honeypot
                    ),
                ));
            }
            if let Some(redirect) = &form.redirect
                && (!redirect.starts_with('/') || redirect.starts_with("//"))
            {
                errors.push(self.problem(
                    name,
                    Some("data-redirect="),
                    &format!("redirect target \"{redirect}\" must be a path of this site starting with '/'"),
                ));
            }
            let checked = check_form(form).and_then(|()| {
                // What the API matches with: the pattern in linear time.
                let mut compiled = form.clone();
                compile_patterns(&mut compiled).map(|()| compiled.fields)
            });
            match checked {
                Ok(fields) => compiled_fields.push((form.name.clone(), fields)),
                Err(problems) => {
                    for problem in problems {
                        let field = form
                            .fields
                            .iter()
                            // The validator names the field in curly or straight quotes.
                            .find(|f| {
                                problem.contains(&format!("“{}”", f.name))
                                    || problem.contains(&format!("\"{}\"", f.name))
                            })
                            .map(|f| format!("name=\"{}\"", f.name));
                        errors.push(self.problem(name, field.as_deref(), &problem.to_string()));
                    }
                }
            }
            for warning in pattern_warnings(form) {
                self.warn(name, None, &warning.to_string());
            }
        }
        for name in &self.warnings_for_empty {
            warn(&Diagnostic::new(
                &self.file,
                self.line(name, None),
                format!("form \"{name}\" has no named field"),
            ));
        }
        for (name, fields) in compiled_fields {
            if let Some(form) = self.finished.iter_mut().find(|f| f.name == name) {
                form.fields = fields;
            }
        }
        if errors.is_empty() {
            Ok(self.finished)
        } else {
            Err(errors)
        }
    }
}
