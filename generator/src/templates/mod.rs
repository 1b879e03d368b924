//! Templates: Tera set up once per build (built-in defaults overridden by
//! `templates/`), the values pages and sections expose to templates, and
//! the functions `get_page`, `get_section` and `get_url`.

pub(crate) mod data;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::{Context as _, anyhow};

use crate::diagnostic::Diagnostic;
use tera::{Context, ErrorKind, Kwargs, State, Tera, Value};

/// The built-in `robots.txt` template: allow everything, point at the
/// sitemap. A site overrides it with `templates/robots.txt` (rendered with
/// `config` and `sitemap_url`) or `static/robots.txt` (copied as is).
pub(crate) const ROBOTS_TEMPLATE: &str =
    "User-agent: *\nDisallow:\nAllow: /\nSitemap: {{ sitemap_url }}\n";

/// The built-in admin inbox template (`templates/admin.html` overrides it),
/// rendered to `admin/index.html`.
pub(crate) const ADMIN_TEMPLATE: &str = include_str!("../assets/admin.html");

/// Templates every site has, from `src/default_templates/`.
pub(crate) const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../default_templates/base.html")),
    (
        "index.html",
        include_str!("../default_templates/index.html"),
    ),
    (
        "section.html",
        include_str!("../default_templates/section.html"),
    ),
    ("page.html", include_str!("../default_templates/page.html")),
    ("404.html", include_str!("../default_templates/404.html")),
    (
        "taxonomy_list.html",
        include_str!("../default_templates/taxonomy_list.html"),
    ),
    (
        "taxonomy_single.html",
        include_str!("../default_templates/taxonomy_single.html"),
    ),
    // Partials of the built-in templates; `templates/letterbox/…` overrides them.
    (
        "letterbox/post-card.html",
        include_str!("../default_templates/letterbox/post-card.html"),
    ),
    (
        "letterbox/post-meta.html",
        include_str!("../default_templates/letterbox/post-meta.html"),
    ),
    (
        "letterbox/pagination.html",
        include_str!("../default_templates/letterbox/pagination.html"),
    ),
    ("robots.txt", ROBOTS_TEMPLATE),
    ("admin.html", ADMIN_TEMPLATE),
    // Built-in shortcodes; `templates/shortcodes/` overrides them.
    (
        "shortcodes/youtube.html",
        include_str!("../default_templates/shortcodes/youtube.html"),
    ),
    (
        "shortcodes/figure.html",
        include_str!("../default_templates/shortcodes/figure.html"),
    ),
];

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
        tera.register_filter("date", date_filter);
        tera.register_filter("slugify", |s: &str, _: Kwargs, _: &State| {
            crate::text::slugify(s)
        });
        let lookup: Arc<RwLock<Arc<Lookup>>> = Arc::default();
        register_functions(&mut tera, &lookup);
        let data = crate::templates::data::DataFiles::new(root);
        tera.register_function("load_data", move |kwargs: Kwargs, _: &State| {
            let path = kwargs.must_get::<&str>("path")?;
            let format = kwargs.get::<&str>("format")?;
            data.load(path, format).map_err(tera::Error::message)
        });
        let mut this = Self {
            tera,
            user,
            lookup,
            sources: BTreeMap::new(),
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
        self.tera.render(name, context).map_err(|e| {
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

/// The values a render looked up with `get_page`, `get_section` (whole
/// sections; `metadata_only` ones hold no pages) and `get_taxonomy`:
/// `serve` renders a file again when one of them changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reads {
    pub pages: Vec<String>,
    pub sections: Vec<String>,
    pub taxonomies: Vec<String>,
}

thread_local! {
    /// The reads of the render running on this thread, when recorded. A
    /// render runs on one thread from start to end, so the template
    /// functions can note their reads here.
    static READS: RefCell<Option<Reads>> = const { RefCell::new(None) };
}

fn record(note: impl FnOnce(&mut Reads)) {
    READS.with(|reads| {
        if let Some(reads) = reads.borrow_mut().as_mut() {
            note(reads);
        }
    });
}

fn current(lookup: &RwLock<Arc<Lookup>>) -> Arc<Lookup> {
    Arc::clone(
        &lookup
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// Registers `get_page`, `get_section` and `get_url`. Paths are relative
/// to `content/` (`blog/hello.md`, `blog/_index.md`); a leading `@/` is
/// accepted too.
fn register_functions(tera: &mut Tera, lookup: &Arc<RwLock<Arc<Lookup>>>) {
    let l = Arc::clone(lookup);
    tera.register_function("get_page", move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?.trim_start_matches("@/");
        record(|reads| reads.pages.push(path.to_owned()));
        current(&l).pages.get(path).cloned().ok_or_else(|| {
            tera::Error::message(format!(
                "get_page: no page `{path}` (paths are relative to content/, e.g. `blog/hello.md`)"
            ))
        })
    });
    let l = Arc::clone(lookup);
    tera.register_function("get_section", move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?.trim_start_matches("@/");
        let lookup = current(&l);
        let sections = if kwargs.get::<bool>("metadata_only")?.unwrap_or(false) {
            &lookup.section_meta
        } else {
            record(|reads| reads.sections.push(path.to_owned()));
            &lookup.sections
        };
        sections.get(path).cloned().ok_or_else(|| {
            tera::Error::message(format!(
                "get_section: no section `{path}` (paths are relative to content/, e.g. `blog/_index.md`)"
            ))
        })
    });
    let l = Arc::clone(lookup);
    tera.register_function("get_url", move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?;
        let lookup = current(&l);
        if kwargs.get::<bool>("cachebust")?.unwrap_or(false) {
            return lookup.cachebust_url(path).map_err(tera::Error::message);
        }
        lookup.url_for(path).map_err(tera::Error::message)
    });
    let l = Arc::clone(lookup);
    tera.register_function("get_taxonomy", move |kwargs: Kwargs, _: &State| {
        let kind = kwargs.must_get::<&str>("kind")?;
        record(|reads| reads.taxonomies.push(kind.to_owned()));
        current(&l).taxonomies.get(kind).cloned().ok_or_else(|| {
            tera::Error::message(format!(
                "get_taxonomy: no taxonomy `{kind}` (declare it with [[taxonomies]] in site.toml)"
            ))
        })
    });
    let l = Arc::clone(lookup);
    tera.register_function("get_taxonomy_url", move |kwargs: Kwargs, _: &State| {
        let kind = kwargs.must_get::<&str>("kind")?;
        let name = kwargs.must_get::<&str>("name")?;
        current(&l)
            .taxonomy_url(kind, name)
            .map_err(tera::Error::message)
    });
}

/// `{{ page.date | date(format="%B %-d, %Y") }}`: formats a front-matter
/// date (`YYYY-MM-DD` or RFC 3339; the time is shown as written).
fn date_filter(value: &str, kwargs: Kwargs, _: &State) -> tera::TeraResult<String> {
    let format = kwargs.get::<&str>("format")?.unwrap_or("%Y-%m-%d");
    let text = value.trim();
    let bad = || {
        tera::Error::message(format!(
            "date: `{text}` is not a date (YYYY-MM-DD or RFC 3339)"
        ))
    };
    // `strtime::format`, not `strftime(…).to_string()`: a bad format
    // (`%Q`) is an error to report, where `to_string` would panic.
    let bad_format = |e: jiff::Error| tera::Error::message(format!("date: format `{format}`: {e}"));
    let formatted = if text.len() >= 19 {
        let dt: jiff::civil::DateTime =
            text.get(..19).ok_or_else(bad)?.parse().map_err(|_| bad())?;
        jiff::fmt::strtime::format(format, dt).map_err(bad_format)?
    } else {
        let d: jiff::civil::Date = text.parse().map_err(|_| bad())?;
        jiff::fmt::strtime::format(format, d).map_err(bad_format)?
    };
    Ok(formatted)
}

/// Template values of every page and section by path relative to
/// `content/`, and what URLs need; shared by the template functions.
#[derive(Debug, Default, Clone)]
pub(crate) struct Lookup {
    pub pages: HashMap<String, Value>,
    pub sections: HashMap<String, Value>,
    /// Sections without pages and subsections (`metadata_only=true`).
    pub section_meta: HashMap<String, Value>,
    /// Site path (without base path) by content path, for `@/` links.
    pub paths: HashMap<String, String>,
    /// Hashed names of assets asked for with `cachebust=true`.
    pub fingerprints: Arc<crate::output::postprocess::Fingerprints>,
    pub urls: Urls,
    /// Site path of every taxonomy term by (taxonomy name, term slug).
    pub terms: HashMap<(String, String), String>,
    /// `get_taxonomy` values by taxonomy name.
    pub taxonomies: HashMap<String, Value>,
}

impl Lookup {
    /// `get_url(path="style.css", cachebust=true)`: the URL of a copy of
    /// the asset named after its content hash (`/style.3f2a9c1b.css`).
    pub(crate) fn cachebust_url(&self, path: &str) -> Result<String, String> {
        let hashed = self.fingerprints.hashed_path(path)?;
        Ok(self.urls.url(&format!("/{hashed}")))
    }

    /// `get_taxonomy_url(kind="tags", name="Rust")`: the term page's URL;
    /// the name is matched by its slug.
    pub(crate) fn taxonomy_url(&self, kind: &str, name: &str) -> Result<String, String> {
        let slug = crate::text::slugify(name);
        self.terms
            .get(&(kind.to_owned(), slug))
            .map(|path| self.urls.url(path))
            .ok_or_else(|| {
                format!("get_taxonomy_url: no term `{name}` in taxonomy `{kind}` (is any page tagged with it?)")
            })
    }

    /// `get_url(path=…)`: `@/blog/hello.md` is the URL of that content
    /// file; an absolute URL is returned as is; anything else is a path
    /// inside the site and gets the base path.
    pub(crate) fn url_for(&self, path: &str) -> Result<String, String> {
        if let Some(content) = path.strip_prefix("@/") {
            let (file, anchor) = content
                .split_once('#')
                .map_or((content, ""), |(f, a)| (f, a));
            let site_path = self
                .paths
                .get(file)
                .ok_or_else(|| format!("get_url: no page or section `{content}` in content/"))?;
            let mut url = self.urls.url(site_path);
            if !anchor.is_empty() {
                url.push('#');
                url.push_str(anchor);
            }
            return Ok(url);
        }
        if path.contains("://") || path.starts_with("//") || path.starts_with("mailto:") {
            return Ok(path.to_owned());
        }
        Ok(self.urls.url(&format!("/{}", path.trim_start_matches('/'))))
    }
}

/// Turns site paths into URLs and permalinks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Urls {
    /// e.g. `/docs` (no trailing slash), or empty.
    pub base_path: String,
    /// e.g. `https://example.org`, or empty.
    pub origin: String,
}

impl Urls {
    /// `/blog/hello/` → `/docs/blog/hello/`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    /// `/blog/hello/` → `https://example.org/docs/blog/hello/`.
    pub(crate) fn permalink(&self, path: &str) -> String {
        format!("{}{}{path}", self.origin, self.base_path)
    }
}

/// Builds a template map value from `(key, value)` pairs.
pub(crate) fn map(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let map: BTreeMap<&'static str, Value> = pairs.into_iter().collect();
    Value::from(map)
}

/// A string marked safe (not escaped again): rendered HTML.
pub(crate) fn html(text: &str) -> Value {
    Value::safe_string(text)
}

/// An optional string: the value, or none.
pub(crate) fn opt(text: Option<&str>) -> Value {
    text.map_or_else(Value::none, Value::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_with_and_without_sub_path() {
        let u = Urls {
            base_path: "/docs".into(),
            origin: "https://example.org".into(),
        };
        assert_eq!(u.url("/blog/"), "/docs/blog/");
        assert_eq!(u.permalink("/"), "https://example.org/docs/");
        let u = Urls::default();
        assert_eq!(u.url("/a/"), "/a/");
    }

    #[test]
    fn get_url_forms() {
        let mut l = Lookup {
            urls: Urls {
                base_path: "/docs".into(),
                origin: String::new(),
            },
            ..Lookup::default()
        };
        l.paths.insert("blog/a.md".into(), "/blog/a/".into());
        assert_eq!(l.url_for("style.css").unwrap(), "/docs/style.css");
        assert_eq!(l.url_for("/style.css").unwrap(), "/docs/style.css");
        assert_eq!(l.url_for("@/blog/a.md").unwrap(), "/docs/blog/a/");
        assert_eq!(l.url_for("@/blog/a.md#x").unwrap(), "/docs/blog/a/#x");
        assert_eq!(l.url_for("https://x.org/a").unwrap(), "https://x.org/a");
        assert!(l.url_for("@/nope.md").unwrap_err().contains("nope.md"));
    }

    #[test]
    fn date_filter_formats() {
        let mut tera = Tera::new();
        tera.register_filter("date", date_filter);
        tera.add_raw_template(
            "t",
            "{{ d | date(format=\"%B %-d, %Y\") }}|{{ t | date(format=\"%H:%M\") }}",
        )
        .unwrap();
        let mut ctx = Context::new();
        ctx.insert("d", "2024-05-01");
        ctx.insert("t", "2024-05-01T10:30:00+02:00");
        assert_eq!(tera.render("t", &ctx).unwrap(), "May 1, 2024|10:30");
        tera.add_raw_template("bad", "{{ d | date(format=\"%Q\") }}")
            .unwrap();
        assert!(tera.render("bad", &ctx).is_err());
    }

    #[test]
    fn default_templates_parse() {
        let dir = tempfile::tempdir().unwrap();
        let t = Templates::load(dir.path()).unwrap();
        for (name, _) in DEFAULT_TEMPLATES {
            assert!(t.contains(name));
            assert_eq!(t.display_name(name), format!("(built-in) {name}"));
        }
    }

    #[test]
    fn syntax_error_names_file_line_col() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("templates")).unwrap();
        std::fs::write(
            dir.path().join("templates/page.html"),
            "<p>\n{{ page.title }\n</p>",
        )
        .unwrap();
        let e = Templates::load(dir.path()).unwrap_err()[0].to_string();
        assert!(e.starts_with("templates/page.html:2:"), "{e}");
    }
}
