//! The parsed templates of a site (Tera), rendering with errors at their
//! file, line and column.

use super::builtin::DEFAULT_TEMPLATES;
use super::functions::{READS, RENDERING, Reads, date_filter, register_functions, register_images};
use super::lookup::Lookup;
use crate::diagnostic::Diagnostic;
use anyhow::{Context as _, anyhow};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};
use tera::{Context, ErrorKind, Kwargs, State, Tera};

/// The parsed templates of a site.
pub(crate) struct Templates {
    tera: Tera,
    /// What `get_page`, `get_section` and `get_url` answer from; set by
    /// [`Templates::set_lookup`] once the site model is built. (Tera checks
    /// that functions exist when parsing, so they are registered first.)
    lookup: Arc<RwLock<Arc<Lookup>>>,
    /// Names that come from the site's `templates/` folder.
    user: HashSet<String>,
    /// Every template's text by name, to read what an error points at.
    sources: BTreeMap<String, String>,
    /// What `resize_image` was asked for in this build.
    images: Arc<crate::images::Images>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Templates {
    /// Parses the built-in templates and every file under
    /// `<root>/templates` (named by their path relative to it, so
    /// `templates/partials/nav.html` is `partials/nav.html`).
    pub(crate) fn load(root: &Path) -> Result<Self, Vec<anyhow::Error>> {
        let dir = root.join("templates");
        let mut sources: BTreeMap<String, String> = DEFAULT_TEMPLATES
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
            .collect();
        let mut user = HashSet::new();
        if dir.is_dir() {
            for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
                let entry = entry
                    .with_context(|| format!("reading {}", dir.display()))
                    .map_err(|e| vec![e])?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
                let name = rel.to_string_lossy().replace('\\', "/");
                if name.split('/').any(|s| s.starts_with('.')) {
                    continue;
                }
                let text = std::fs::read_to_string(entry.path())
                    .with_context(|| format!("reading {}", entry.path().display()))
                    .map_err(|e| vec![e])?;
                user.insert(name.clone());
                sources.insert(name, text);
            }
        }
        let mut tera = Tera::new();
        // Tera's own escaping, written a run at a time instead of a byte.
        tera.set_escape_fn(letterbox_forms::text::escape_html_to);
        tera.register_filter("date", date_filter);
        tera.register_filter("slugify", |s: &str, _: Kwargs, _: &State| {
            crate::text::slugify(s)
        });
        let lookup: Arc<RwLock<Arc<Lookup>>> = Arc::default();
        register_functions(&mut tera, &lookup);
        let images = Arc::new(crate::images::Images::new(root));
        register_images(&mut tera, &lookup, &images);
        let data = crate::templates::data::DataFiles::new(root);
        tera.register_function("load_data", move |kwargs: Kwargs, _: &State| {
            let path = kwargs.must_get::<&str>("path")?;
            let format = kwargs.get::<&str>("format")?;
            let required = kwargs.get::<bool>("required")?.unwrap_or(true);
            data.load(path, format, required)
                .map_err(tera::Error::message)
        });
        let mut this = Self {
            tera,
            user,
            lookup,
            sources: BTreeMap::new(),
            images,
        };
        this.tera
            .add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| {
                (this.describe(&e, None).into_iter())
                    .map(anyhow::Error::new)
                    .collect::<Vec<_>>()
            })?;
        this.sources = sources;
        Ok(this)
    }

    /// The processed images the renders asked for.
    pub(crate) fn images(&self) -> &crate::images::Images {
        &self.images
    }

    /// Whether a template of that name exists.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// The top-level variables template `name` reads (Tera's best effort:
    /// every name, guarded by `is defined` or not), sorted.
    pub(crate) fn variables(&self, name: &str) -> Vec<String> {
        let mut vars: Vec<String> = (self.tera.get_template_variables(name))
            .map(|vars| vars.into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        vars.sort();
        vars
    }

    /// The name (letters, digits, `_`) at `line`:`column` (1-based) of the
    /// template shown as `file` (`templates/x.html`, `(built-in) x.html`):
    /// what a Tera error's span points at.
    pub(crate) fn word_at(&self, file: &str, line: usize, column: usize) -> Option<String> {
        let name = (file.strip_prefix("templates/"))
            .or_else(|| file.strip_prefix("(built-in) "))
            .unwrap_or(file);
        let text = self.sources.get(name)?.lines().nth(line.checked_sub(1)?)?;
        let rest: String = text.chars().skip(column.checked_sub(1)?).collect();
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        (!word.is_empty()).then_some(word)
    }

    /// Whether template `name` comes from the site's `templates/` folder.
    pub(crate) fn is_user(&self, name: &str) -> bool {
        self.user.contains(name)
    }

    /// Where a template comes from, for messages.
    pub(crate) fn display_name(&self, name: &str) -> String {
        if self.user.contains(name) {
            format!("templates/{name}")
        } else if DEFAULT_TEMPLATES.iter().any(|(n, _)| *n == name) {
            format!("(built-in) {name}")
        } else {
            name.to_owned()
        }
    }

    /// Sets what `get_page`, `get_section` and `get_url` answer from.
    pub(crate) fn set_lookup(&self, lookup: Lookup) {
        self.swap_lookup(Arc::new(lookup));
    }

    /// Sets the lookup, returning the previous one (to put it back).
    pub(crate) fn swap_lookup(&self, lookup: Arc<Lookup>) -> Arc<Lookup> {
        std::mem::replace(&mut *self.lookup_mut(), lookup)
    }

    /// Changes the lookup in place (copied first only if a render holds it).
    #[cfg_attr(not(feature = "serve"), allow(dead_code))] // serve's fast rebuilds
    pub(crate) fn update_lookup(&self, change: impl FnOnce(&mut Lookup)) {
        change(Arc::make_mut(&mut self.lookup_mut()));
    }

    fn lookup_mut(&self) -> std::sync::RwLockWriteGuard<'_, Arc<Lookup>> {
        (self.lookup.write()).unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Renders template `name`; errors name the template file, line and
    /// column and the page being rendered (`source`).
    pub(crate) fn render(
        &self,
        name: &str,
        context: &Context,
        source: &str,
    ) -> anyhow::Result<String> {
        let outer = RENDERING.with(|r| r.replace(source.to_owned()));
        let result = self.tera.render(name, context);
        RENDERING.with(|r| r.replace(outer));
        result.map_err(|e| {
            let mut errors = self.describe(&e, Some(source)).into_iter();
            match (errors.next(), errors.next()) {
                (Some(first), None) => anyhow::Error::new(first),
                _ => anyhow!("template error while rendering {source}: {e}"),
            }
        })
    }

    /// [`Templates::render`], also returning what the render looked up.
    pub(crate) fn render_recording(
        &self,
        name: &str,
        context: &Context,
        source: &str,
    ) -> (anyhow::Result<String>, Reads) {
        // Saved and put back, so that a render nested on this thread (were a
        // template function ever to wait on rayon work) keeps its own reads.
        let outer = READS.with(|reads| reads.borrow_mut().replace(Reads::default()));
        debug_assert!(outer.is_none(), "renders do not nest");
        let result = self.render(name, context, source);
        let reads = READS.with(|reads| std::mem::replace(&mut *reads.borrow_mut(), outer));
        (result, reads.unwrap_or_default())
    }

    /// Turns a Tera error into located errors (`templates/x.html`, line,
    /// column, message, Tera's source excerpt); `rendering` names the file
    /// being rendered. Loading reports every template's problems at once.
    fn describe(&self, error: &tera::Error, rendering: Option<&str>) -> Vec<Diagnostic> {
        let mut chain = String::new();
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            chain.push_str(&format!(": {s}"));
            source = s.source();
        }
        let rendering: Vec<String> = rendering.map(str::to_owned).into_iter().collect();
        let plain = |file: String, message: String| Diagnostic {
            rendering: rendering.clone(),
            ..Diagnostic::new(file, None, format!("{message}{chain}"))
        };
        match error.kind() {
            ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
                let span = report.span();
                let mut located = self.report(&error.to_string());
                located.file = self.display_name(report.filename());
                located.line = Some(span.start_line);
                located.column = Some(span.start_col + 1);
                located.message = format!("template error: {}{chain}", report.message());
                located.rendering = rendering;
                vec![located]
            }
            ErrorKind::MissingParent { current, parent } => vec![plain(
                self.display_name(current),
                format!("extends `{parent}`, which is neither in templates/ nor built in"),
            )],
            ErrorKind::TemplateNotFound(name) => vec![plain(
                rendering
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "templates/".to_owned()),
                format!("template `{name}` not found in templates/ nor built in"),
            )],
            // Tera checks all templates at once and joins its reports.
            ErrorKind::Msg(text) if text.starts_with("error: ") => text
                .split("\n\nerror: ")
                .map(|report| {
                    let mut located = self.report(report);
                    located.message = format!("template error: {}{chain}", located.message);
                    located.rendering = rendering.clone();
                    located
                })
                .collect(),
            _ => vec![plain(
                rendering
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "templates/".to_owned()),
                format!("template error: {error}"),
            )],
        }
    }

    /// One of Tera's reports (`error: msg`, ` --> name:l:c`, excerpt) with
    /// the template's name as the user knows it (`templates/x.html`). Tera
    /// gives the place of joined reports only as this text.
    fn report(&self, report: &str) -> Diagnostic {
        let mut lines = report.lines();
        let first = lines.next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
        let mut located = Diagnostic::new("templates/", None, message);
        let mut detail = Vec::new();
        for line in lines {
            if let Some(place) = line.trim_start().strip_prefix("--> ") {
                let mut parts = place.rsplitn(3, ':');
                let (column, row, name) = (parts.next(), parts.next(), parts.next());
                if let (Some(column), Some(row), Some(name)) = (column, row, name) {
                    located.file = self.display_name(name);
                    located.line = row.parse().ok();
                    located.column = column.parse().ok();
                    detail.push(line.replacen(name, &located.file, 1));
                    continue;
                }
            }
            detail.push(line.to_owned());
        }
        while detail.last().is_some_and(|l| l.trim().is_empty()) {
            detail.pop();
        }
        located.detail = (!detail.is_empty()).then(|| detail.join("\n"));
        located
    }
}
