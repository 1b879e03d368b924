//! Form discovery: finds every `<form data-form>` in a rendered page, derives
//! its schema from the HTML constraint attributes, and rewrites it to post to
//! the API with a honeypot field added.
//!
//! The page's form *is* the backend's schema: what this module derives is
//! exactly what the API validates, so browser and server cannot drift apart.

use letterbox_forms::handler::escape_html;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::config::{CONFIG_FILE, FormConfig};
use crate::diagnostic::Diagnostic;
use letterbox_forms::validate::{check_form, compile_patterns, pattern_warnings};
use letterbox_forms::{AuthRequirement, Field, FieldKind, Form, Manifest};
use lol_html::html_content::{ContentType, Element};
use lol_html::{RewriteStrSettings, element, end_tag, rewrite_str, text};

/// Name of the hidden anti-spam field unless the form sets `data-honeypot`.
pub(crate) const DEFAULT_HONEYPOT: &str = "homepage";

/// What discovery needs to know about the site.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormSettings {
    /// `api_url` from `site.toml` (may be empty: same origin). Forms post to
    /// `<api_url>/api/forms/<name>`.
    pub api_url: String,
    pub overrides: BTreeMap<String, FormConfig>,
    /// URL of the form script (e.g. `/letterbox-forms.js`, with the site's
    /// base path); pages with a form get a deferred `<script>` for it. `None`
    /// adds nothing.
    pub script_url: Option<String>,
}

/// File name of the form script in the output root.
pub(crate) const FORMS_SCRIPT: &str = "letterbox-forms.js";
/// File name of the admin inbox script in the output root.
pub(crate) const ADMIN_SCRIPT: &str = "letterbox-admin.js";
/// Where the admin inbox is written in the output folder.
pub(crate) const ADMIN_OUTPUT: &str = "admin/index.html";

const FORMS_JS_SOURCE: &str = include_str!("../assets/letterbox-forms.js");
const ADMIN_JS_SOURCE: &str = include_str!("../assets/letterbox-admin.js");

/// The scripts every site gets in its output root, minified:
/// `(path in the output folder, content)`.
pub(crate) fn builtin_assets() -> [(&'static str, String); 2] {
    [
        (FORMS_SCRIPT, minify_js(FORMS_JS_SOURCE)),
        (ADMIN_SCRIPT, minify_js(ADMIN_JS_SOURCE)),
    ]
}

/// A deliberately conservative minifier for the built-in scripts (which are
/// written for it): drops whole-line `//` comments, blank lines and
/// indentation, keeping every line break so automatic semicolon insertion
/// and string, regex and comment contents inside lines are never touched.
pub(crate) fn minify_js(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Adds `<script src=".." defer>` before the last `</body>` (or at the end).
fn add_script(html: &mut String, url: &str) {
    let tag = format!("<script src=\"{}\" defer></script>\n", escape_html(url));
    let at = html
        .to_ascii_lowercase()
        .rfind("</body>")
        .unwrap_or(html.len());
    html.insert_str(at, &tag);
}

/// Where a page's forms come from, for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormSource<'a> {
    /// The source file, e.g. `content/contact.md`.
    pub file: &'a str,
    /// Its Markdown body and the body's first line in the file: problems
    /// are reported at the line of the form or field they concern when it
    /// is written there (a form from a template or shortcode is not).
    pub body: Option<(&'a str, usize)>,
}

/// [`rewrite_forms_in`] for a page known by its file name only; every
/// problem in one error.
#[cfg(test)]
pub(crate) fn rewrite_forms(
    html: &str,
    source: &str,
    settings: &FormSettings,
) -> anyhow::Result<(String, Vec<Form>)> {
    let source = FormSource {
        file: source,
        body: None,
    };
    rewrite_forms_in(html, source, settings).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("{e:#}")).collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })
}

/// Rewrites every `form[data-form]` in `html` and returns the new HTML with
/// the forms found, or one error per problem, each at its file and line.
pub(crate) fn rewrite_forms_in(
    html: &str,
    source: FormSource<'_>,
    settings: &FormSettings,
) -> Result<(String, Vec<Form>), Vec<anyhow::Error>> {
    // Most pages have no form: skip the HTML parser for them entirely.
    if !html.contains("data-form") {
        return Ok((html.to_owned(), Vec::new()));
    }
    let file = source.file;

    let state = Rc::new(RefCell::new(Discovery::new(source)));
    let api_base = settings.api_url.trim_end_matches('/').to_owned();

    let on_form = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            let name = el.get_attribute("data-form").unwrap_or_default();
            let honeypot = {
                let mut st = state.borrow_mut();
                st.start_form(&name, el);
                st.current.as_ref().map(|f| f.honeypot.clone())
            };
            let Some(honeypot) = honeypot else {
                return Ok(());
            };
            el.set_attribute("method", "post")?;
            el.set_attribute("action", &format!("{api_base}/api/forms/{name}"))?;
            el.append(&honeypot_html(&honeypot), ContentType::Html);
            let state = Rc::clone(&state);
            el.on_end_tag(end_tag!(move |_end| {
                state.borrow_mut().finish_form();
                Ok(())
            }))?;
            Ok(())
        }
    };
    let on_input = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().input(el);
            Ok(())
        }
    };
    let on_textarea = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().textarea(el);
            Ok(())
        }
    };
    let on_select = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().start_select(el);
            let state = Rc::clone(&state);
            // A select without an end tag is closed by the form's end, where
            // `finish_form` flushes it too.
            let _ = el.on_end_tag(end_tag!(move |_end| {
                state.borrow_mut().finish_select();
                Ok(())
            }));
            Ok(())
        }
    };
    let on_option = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().option(el);
            Ok(())
        }
    };
    let on_option_text = {
        let state = Rc::clone(&state);
        move |chunk: &mut lol_html::html_content::TextChunk| {
            state.borrow_mut().option_text(chunk.as_str());
            Ok(())
        }
    };
    let on_button = {
        let state = Rc::clone(&state);
        move |el: &mut Element| {
            state.borrow_mut().button(el);
            Ok(())
        }
    };

    let rewritten = rewrite_str(
        html,
        RewriteStrSettings::new()
            .append_element_content_handler(element!("form[data-form]", on_form))
            .append_element_content_handler(element!("form[data-form] input", on_input))
            .append_element_content_handler(element!("form[data-form] textarea", on_textarea))
            .append_element_content_handler(element!("form[data-form] select", on_select))
            .append_element_content_handler(element!("form[data-form] option", on_option))
            .append_element_content_handler(text!("form[data-form] option", on_option_text))
            .append_element_content_handler(element!("form[data-form] button[name]", on_button)),
    );
    let mut rewritten = match rewritten {
        Ok(html) => html,
        Err(e) => {
            let message = format!("cannot process the page's forms: {e}");
            return Err(vec![crate::diagnostic::error(file, None, message)]);
        }
    };

    let state = Rc::try_unwrap(state)
        .map_err(|_| {
            vec![crate::diagnostic::error(
                file,
                None,
                "form discovery state still shared",
            )]
        })?
        .into_inner();
    let forms = state.finish(settings)?;
    if !forms.is_empty()
        && let Some(url) = &settings.script_url
    {
        add_script(&mut rewritten, url);
    }
    Ok((rewritten, forms))
}

/// Gathers the forms of all pages into one manifest. A form name defined
/// differently on two pages is an error naming both pages; every conflict is
/// reported, not only the first.
pub(crate) fn build_manifest(forms: Vec<Form>) -> Result<Manifest, Vec<anyhow::Error>> {
    let mut manifest = Manifest::default();
    let mut errors = Vec::new();
    for form in forms {
        match manifest.forms.get(&form.name) {
            None => {
                manifest.forms.insert(form.name.clone(), form);
            }
            Some(first) if same_definition(first, &form) => {}
            Some(first) => errors.push(crate::diagnostic::error(
                &form.page,
                None,
                format!(
                    "form \"{}\" is defined differently in {} and {}: {}",
                    form.name,
                    first.page,
                    form.page,
                    describe_difference(first, &form)
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(manifest)
    } else {
        Err(errors)
    }
}

/// `[forms.<name>]` entries in `site.toml` (whose text is `site_toml`) that
/// match no form of the site, as warnings at their line: a typo there would
/// otherwise silently do nothing.
pub(crate) fn unused_overrides(
    manifest: &Manifest,
    settings: &FormSettings,
    site_toml: &str,
) -> Vec<Diagnostic> {
    (settings.overrides.keys())
        .filter(|name| !manifest.forms.contains_key(*name))
        .map(|name| {
            let table = format!("[forms.{name}]");
            let line = (site_toml.lines())
                .position(|l| l.trim() == table)
                .map(|i| i + 1);
            Diagnostic::new(
                CONFIG_FILE,
                line,
                format!("{table} matches no form of the site"),
            )
        })
        .collect()
}

fn same_definition(a: &Form, b: &Form) -> bool {
    a.fields == b.fields && a.redirect == b.redirect && a.auth == b.auth && a.honeypot == b.honeypot
}

fn describe_difference(a: &Form, b: &Form) -> String {
    if a.redirect != b.redirect {
        return "their redirect targets differ".into();
    }
    if a.auth != b.auth {
        return "one requires login and the other does not".into();
    }
    if a.honeypot != b.honeypot {
        return "their honeypot fields differ".into();
    }
    let names = |f: &Form| f.fields.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    let (na, nb) = (names(a), names(b));
    if na != nb {
        return format!("fields [{}] vs [{}]", na.join(", "), nb.join(", "));
    }
    match a.fields.iter().zip(&b.fields).find(|(x, y)| x != y) {
        Some((x, _)) => format!("field \"{}\" has different constraints", x.name),
        None => "their definitions differ".into(),
    }
}

/// The visually hidden trap field. Humans never see or reach it (no tab
/// stop, hidden from assistive technology); naive bots fill it in.
fn honeypot_html(name: &str) -> String {
    format!(
        "<div class=\"lb-hp\" aria-hidden=\"true\" style=\"position:absolute!important;left:-10000px;\
         width:1px;height:1px;overflow:hidden\"><label>Leave this field empty \
         <input type=\"text\" name=\"{name}\" value=\"\" tabindex=\"-1\" autocomplete=\"off\" \
         aria-hidden=\"true\"></label></div>"
    )
}

/// A form name ends up in a URL path and a storage key: keep it plain.
fn valid_form_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// State of one page's discovery, shared by the rewriter's handlers.
struct Discovery {
    /// The source file.
    file: String,
    /// Its Markdown body and first line (owned: the rewriter's end-tag
    /// handlers must be `'static`).
    body: Option<(String, usize)>,
    current: Option<Form>,
    /// Index into `current.fields` of the open `<select>`.
    open_select: Option<usize>,
    /// Text of an `<option>` without a `value` attribute, being collected.
    pending_option: Option<String>,
    finished: Vec<Form>,
    errors: Vec<anyhow::Error>,
    warnings_for_empty: Vec<String>,
    /// `<input>`, `<textarea>`, `<select>` elements seen in the open form,
    /// to find a nameless one's line.
    seen: [usize; 3],
    /// `form/name` pairs already warned about by [`Self::warn_shadowing`].
    shadow_warned: std::collections::HashSet<String>,
}

/// Names a control must not have: in the browser, `form.<name>` is then the
/// control instead of the form's own property or method (HTMLFormElement
/// lets named controls override even built-ins), which breaks scripts —
/// the form script's included — that use it. The form's properties and
/// methods, and the DOM methods the form script calls on a form.
pub(crate) const SHADOWING_NAMES: &[&str] = &[
    "acceptCharset",
    "action",
    "checkValidity",
    "elements",
    "encoding",
    "enctype",
    "length",
    "method",
    "noValidate",
    "reportValidity",
    "requestSubmit",
    "reset",
    "submit",
    "target",
    "addEventListener",
    "appendChild",
    "getAttribute",
    "insertAdjacentElement",
    "previousElementSibling",
    "querySelector",
    "querySelectorAll",
    "removeAttribute",
    "setAttribute",
];

impl Discovery {
    fn new(source: FormSource<'_>) -> Self {
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
        }
    }

    /// Warns (once per form and name) about a control whose name is one of
    /// [`SHADOWING_NAMES`], at its line.
    fn warn_shadowing(&mut self, tag: &str, name: &str) {
        if !SHADOWING_NAMES.contains(&name) {
            return;
        }
        let Some(form) = self.current.as_ref().map(|f| f.name.clone()) else {
            return;
        };
        if !self.shadow_warned.insert(format!("{form}/{name}")) {
            return;
        }
        let place = self.place(&form, Some(&format!("name=\"{name}\"")));
        eprintln!(
            "warning: {place}: form \"{form}\": a <{tag}> named \"{name}\" hides the form's own `{name}` from scripts (form.{name} becomes the control); rename it"
        );
    }

    /// Counts an `<input>` (0), `<textarea>` (1) or `<select>` (2) of the
    /// open form and warns when it has no name: the browser does not send
    /// it, and the form's schema has no field for it.
    fn nameless(&mut self, kind: usize, el: &Element) -> bool {
        let tag = ["input", "textarea", "select"][kind];
        self.seen[kind] += 1;
        if el.get_attribute("name").is_some_and(|n| !n.is_empty()) {
            return false;
        }
        let Some(form) = self.current.as_ref().map(|f| f.name.clone()) else {
            return true;
        };
        let line = self.nth_line(&form, &format!("<{tag}"), self.seen[kind]);
        let place = crate::diagnostic::place(&self.file, line.or_else(|| self.line(&form, None)));
        eprintln!(
            "warning: {place}: form \"{form}\": an <{tag}> without a name is not sent and is no field of the form's schema; give it name=\"…\""
        );
        true
    }

    /// The line of the `n`th (1-based) `needle` after form `form`'s start.
    fn nth_line(&self, form: &str, needle: &str, n: usize) -> Option<usize> {
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
    fn line(&self, form: &str, needle: Option<&str>) -> Option<usize> {
        let (body, first_line) = self.body.as_ref()?;
        let start = body.find(&format!("data-form=\"{form}\""))?;
        let at = match needle {
            Some(needle) => start + body[start..].find(needle)?,
            None => start,
        };
        Some(body[..at].matches('\n').count() + *first_line)
    }

    /// A problem of form `form`, at the line of `needle` (else the form's).
    fn problem(&self, form: &str, needle: Option<&str>, message: &str) -> anyhow::Error {
        let line =
            (needle.and_then(|n| self.line(form, Some(n)))).or_else(|| self.line(form, None));
        crate::diagnostic::error(&self.file, line, format!("form \"{form}\": {message}"))
    }

    /// `file:line` of a problem, for warnings.
    fn place(&self, form: &str, needle: Option<&str>) -> String {
        let line =
            (needle.and_then(|n| self.line(form, Some(n)))).or_else(|| self.line(form, None));
        crate::diagnostic::place(&self.file, line)
    }

    fn error(&mut self, message: String) {
        self.field_error(None, message);
    }

    /// An error about field `field` of the open form.
    fn field_error(&mut self, field: Option<&str>, message: String) {
        let form = self.current.as_ref().map_or("?", |f| f.name.as_str());
        let needle = field.map(|f| format!("name=\"{f}\""));
        let error = self.problem(form, needle.as_deref(), &message);
        self.errors.push(error);
    }

    fn start_form(&mut self, name: &str, el: &Element) {
        if self.current.is_some() {
            self.error(format!(
                "contains another form \"{name}\"; forms cannot be nested"
            ));
            return;
        }
        if !valid_form_name(name) {
            let line = self.line(name, None);
            self.errors.push(crate::diagnostic::error(
                &self.file,
                line,
                format!("data-form=\"{name}\" is not a valid form name (use 1-64 letters, digits, '-' or '_')"),
            ));
            return;
        }
        let auth = match el.get_attribute("data-auth").as_deref() {
            None | Some("") | Some("none") => AuthRequirement::None,
            Some("required") => AuthRequirement::Required,
            Some(other) => {
                let error = self.problem(
                    name,
                    Some("data-auth="),
                    &format!("data-auth=\"{other}\" must be \"required\" or \"none\""),
                );
                self.errors.push(error);
                AuthRequirement::None
            }
        };
        let honeypot = el
            .get_attribute("data-honeypot")
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| DEFAULT_HONEYPOT.to_owned());
        self.seen = [0; 3];
        self.current = Some(Form {
            name: name.to_owned(),
            page: self.file.clone(),
            redirect: el.get_attribute("data-redirect").filter(|r| !r.is_empty()),
            auth,
            honeypot,
            fields: Vec::new(),
        });
    }

    fn finish_form(&mut self) {
        self.finish_select();
        if let Some(form) = self.current.take() {
            if form.fields.is_empty() {
                self.warnings_for_empty.push(form.name.clone());
            }
            self.finished.push(form);
        }
    }

    /// Adds `field` to the open form, merging radio and checkbox groups and
    /// repeated names.
    fn add_field(&mut self, field: Field, option: Option<String>) {
        let Some(form) = self.current.as_mut() else {
            return;
        };
        if let Some(existing) = form.fields.iter_mut().find(|f| f.name == field.name) {
            if existing.kind != field.kind {
                let (name, a, b) = (field.name.clone(), existing.kind, field.kind);
                self.field_error(
                    Some(&name),
                    format!(
                        "field \"{name}\" is declared twice with different types ({a:?} and {b:?})"
                    ),
                );
                return;
            }
            existing.required |= field.required;
            match field.kind {
                // One radio group: one value out of its options.
                FieldKind::Radio => {}
                // Several checkboxes of one name: any subset of their values.
                _ => existing.multiple = true,
            }
            if let Some(option) = option {
                existing.options.push(option);
            }
            return;
        }
        let mut field = field;
        if let Some(option) = option {
            field.options.push(option);
        }
        form.fields.push(field);
    }

    fn input(&mut self, el: &Element) {
        if self.current.is_none() {
            return;
        }
        let input_type = el.get_attribute("type").map(|t| t.to_ascii_lowercase());
        let button = matches!(
            input_type.as_deref(),
            Some("submit" | "image" | "reset" | "button")
        );
        if button {
            self.seen[0] += 1;
        } else if self.nameless(0, el) {
            return;
        }
        let Some(name) = el.get_attribute("name").filter(|n| !n.is_empty()) else {
            return;
        };
        self.warn_shadowing("input", &name);
        match input_type.as_deref() {
            Some("file") => {
                self.field_error(
                    Some(&name),
                    format!("field \"{name}\" is a file input; file uploads are not supported yet"),
                );
                return;
            }
            Some("submit") | Some("image") => {
                self.button(el);
                return;
            }
            Some("reset") | Some("button") => return,
            _ => {}
        }
        let kind = FieldKind::from_input_type(input_type.as_deref());
        let mut field = Field::new(name.clone(), kind);
        field.required = el.has_attribute("required") && !el.has_attribute("disabled");
        field.minlength = self.length_attr(el, &name, "minlength");
        field.maxlength = self.length_attr(el, &name, "maxlength");
        field.pattern = el.get_attribute("pattern");
        field.min = el.get_attribute("min").filter(|v| !v.is_empty());
        field.max = el.get_attribute("max").filter(|v| !v.is_empty());
        field.step = el.get_attribute("step").filter(|v| !v.is_empty());
        field.multiple = el.has_attribute("multiple") && kind == FieldKind::Email;
        let option = match kind {
            // A checked box or radio sends its value ("on" when it has none).
            FieldKind::Checkbox | FieldKind::Radio => {
                Some(el.get_attribute("value").unwrap_or_else(|| "on".to_owned()))
            }
            _ => None,
        };
        self.add_field(field, option);
    }

    fn textarea(&mut self, el: &Element) {
        if self.current.is_none() || self.nameless(1, el) {
            return;
        }
        let Some(name) = el.get_attribute("name").filter(|n| !n.is_empty()) else {
            return;
        };
        self.warn_shadowing("textarea", &name);
        let mut field = Field::new(name.clone(), FieldKind::Textarea);
        field.required = el.has_attribute("required") && !el.has_attribute("disabled");
        field.minlength = self.length_attr(el, &name, "minlength");
        field.maxlength = self.length_attr(el, &name, "maxlength");
        self.add_field(field, None);
    }

    fn start_select(&mut self, el: &Element) {
        self.finish_select();
        if self.current.is_none() || self.nameless(2, el) {
            return;
        }
        let Some(name) = el.get_attribute("name").filter(|n| !n.is_empty()) else {
            return;
        };
        self.warn_shadowing("select", &name);
        let mut field = Field::new(name, FieldKind::Select);
        field.required = el.has_attribute("required") && !el.has_attribute("disabled");
        field.multiple = el.has_attribute("multiple");
        self.add_field(field, None);
        self.open_select = self.current.as_ref().map(|f| f.fields.len() - 1);
    }

    fn finish_select(&mut self) {
        self.flush_option();
        self.open_select = None;
    }

    fn option(&mut self, el: &Element) {
        // `<option>` end tags are optional: the next option closes the last.
        self.flush_option();
        if self.open_select.is_none() || el.has_attribute("disabled") {
            return;
        }
        match el.get_attribute("value") {
            Some(value) => self.push_option(value),
            None => self.pending_option = Some(String::new()),
        }
    }

    fn option_text(&mut self, text: &str) {
        if let Some(pending) = self.pending_option.as_mut() {
            pending.push_str(text);
        }
    }

    fn flush_option(&mut self) {
        if let Some(text) = self.pending_option.take() {
            // An option's value defaults to its text, whitespace stripped and
            // collapsed, as the HTML spec says.
            let value = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
            self.push_option(html_unescape(&value));
        }
    }

    fn push_option(&mut self, value: String) {
        // An empty value is the "choose one" placeholder: submitting it means
        // no choice, which `required` governs.
        if value.is_empty() {
            return;
        }
        if let (Some(index), Some(form)) = (self.open_select, self.current.as_mut())
            && let Some(field) = form.fields.get_mut(index)
            && !field.options.contains(&value)
        {
            field.options.push(value);
        }
    }

    /// A named submit button sends its value when it is the one clicked.
    fn button(&mut self, el: &Element) {
        if self.current.is_none() {
            return;
        }
        let Some(name) = el.get_attribute("name").filter(|n| !n.is_empty()) else {
            return;
        };
        self.warn_shadowing(&el.tag_name(), &name);
        if el
            .get_attribute("type")
            .is_some_and(|t| t.eq_ignore_ascii_case("reset"))
        {
            return;
        }
        let field = Field::new(name, FieldKind::Hidden);
        let value = el.get_attribute("value").unwrap_or_default();
        let mut field = field;
        field.options.push(value);
        if let Some(form) = self.current.as_mut()
            && let Some(existing) = form.fields.iter_mut().find(|f| f.name == field.name)
        {
            existing.options.extend(field.options);
            return;
        }
        self.add_field(field, None);
    }

    fn length_attr(&mut self, el: &Element, field: &str, attr: &str) -> Option<u32> {
        let raw = el.get_attribute(attr)?;
        match raw.trim().parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.field_error(
                    Some(field),
                    format!(
                        "field \"{field}\": {attr}=\"{raw}\" is not a non-negative whole number"
                    ),
                );
                None
            }
        }
    }

    /// Applies `site.toml` overrides, checks every form, and returns them or
    /// every problem found.
    fn finish(mut self, settings: &FormSettings) -> Result<Vec<Form>, Vec<anyhow::Error>> {
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
                eprintln!(
                    "warning: {}: form \"{name}\": {warning}",
                    self.place(name, None)
                );
            }
        }
        for name in &self.warnings_for_empty {
            eprintln!(
                "warning: {}: form \"{name}\" has no named field",
                self.place(name, None)
            );
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

/// Option text comes from the rewriter still escaped; the few entities a
/// label commonly holds are decoded so the value matches what browsers send.
fn html_unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn discover(html: &str) -> anyhow::Result<(String, Vec<Form>)> {
        let settings = FormSettings {
            api_url: "https://api.example.org/".into(),
            ..Default::default()
        };
        rewrite_forms(html, "content/contact.md", &settings)
    }

    const CONTACT: &str = r#"<main><form data-form="contact" data-redirect="/thanks/">
  <label>Name <input name="name" required maxlength="100"></label>
  <input name="email" type="email" required maxlength="200">
  <select name="topic" required>
    <option value="">Choose…</option>
    <option>General question</option>
    <option value="press">Press</option>
  </select>
  <fieldset><input type="radio" name="size" value="s"><input type="radio" name="size" value="m"></fieldset>
  <input type="checkbox" name="consent" value="yes" required>
  <textarea name="message" required minlength="10" maxlength="5000"></textarea>
  <input name="age" type="number" min="18" max="120" step="1">
  <button>Send</button>
</form></main>"#;

    #[test]
    fn derives_the_schema_from_constraint_attributes() {
        let (_, forms) = discover(CONTACT).unwrap();
        assert_eq!(forms.len(), 1);
        let form = &forms[0];
        assert_eq!(form.name, "contact");
        assert_eq!(form.page, "content/contact.md");
        assert_eq!(form.redirect.as_deref(), Some("/thanks/"));
        assert_eq!(form.honeypot, DEFAULT_HONEYPOT);
        let names: Vec<_> = form.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "name", "email", "topic", "size", "consent", "message", "age"
            ]
        );

        let email = form.field("email").unwrap();
        assert_eq!(
            (email.kind, email.required, email.maxlength),
            (FieldKind::Email, true, Some(200))
        );
        let topic = form.field("topic").unwrap();
        assert_eq!(topic.options, ["General question", "press"]);
        assert!(topic.required && !topic.multiple);
        let size = form.field("size").unwrap();
        assert_eq!(
            (size.kind, size.options.clone(), size.multiple),
            (FieldKind::Radio, vec!["s".into(), "m".into()], false)
        );
        let consent = form.field("consent").unwrap();
        assert_eq!(
            (consent.kind, consent.options.clone()),
            (FieldKind::Checkbox, vec!["yes".to_owned()])
        );
        let message = form.field("message").unwrap();
        assert_eq!(
            (message.minlength, message.maxlength),
            (Some(10), Some(5000))
        );
        let age = form.field("age").unwrap();
        assert_eq!(
            (age.min.as_deref(), age.max.as_deref(), age.step.as_deref()),
            (Some("18"), Some("120"), Some("1"))
        );
    }

    #[test]
    fn rewrites_action_method_and_adds_the_honeypot() {
        let (html, _) =
            discover(r#"<form data-form="news"><input name="email" type="email"></form>"#).unwrap();
        assert!(
            html.contains(r#"action="https://api.example.org/api/forms/news""#),
            "{html}"
        );
        assert!(html.contains(r#"method="post""#), "{html}");
        let honeypot = r#"<input type="text" name="homepage" value="" tabindex="-1" autocomplete="off" aria-hidden="true">"#;
        assert!(html.contains(honeypot), "{html}");
        // The trap sits inside the form, before its end tag.
        assert!(html.find(honeypot).unwrap() < html.find("</form>").unwrap());
    }

    #[test]
    fn pages_without_forms_pass_through_untouched() {
        let html = "<p>No <em>form</em> here</p><form><input name=q></form>";
        let (out, forms) = discover(html).unwrap();
        assert_eq!(out, html);
        assert!(forms.is_empty());
    }

    #[test]
    fn checkbox_groups_are_multi_valued() {
        let (_, forms) = discover(
            r#"<form data-form="f"><input type="checkbox" name="t" value="a"><input type="checkbox" name="t" value="b"></form>"#,
        )
        .unwrap();
        let t = forms[0].field("t").unwrap();
        assert!(t.multiple);
        assert_eq!(t.options, ["a", "b"]);
    }

    #[test]
    fn bad_attributes_are_errors_naming_page_form_and_field() {
        let err = discover(r#"<form data-form="f"><input name="a" maxlength="lots"><input type="file" name="cv"></form>"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"content/contact.md: form "f": field "a": maxlength="lots""#),
            "{err}"
        );
        assert!(err.contains(r#"field "cv" is a file input"#), "{err}");
    }

    #[test]
    fn invalid_form_names_and_redirects_are_errors() {
        let err = discover(r#"<form data-form="a b"><input name="x"></form>"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a valid form name"), "{err}");
        let err = discover(
            r#"<form data-form="a" data-redirect="https://evil.example/"><input name="x"></form>"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("must be a path of this site"), "{err}");
    }

    #[test]
    fn site_toml_overrides_data_attributes() {
        let mut settings = FormSettings::default();
        settings.overrides.insert(
            "m".into(),
            FormConfig {
                redirect: Some("/welcome/".into()),
                auth: Some(AuthRequirement::Required),
            },
        );
        let (html, forms) = rewrite_forms(
            r#"<form data-form="m"><input name="x"></form>"#,
            "p.md",
            &settings,
        )
        .unwrap();
        assert!(html.contains(r#"action="/api/forms/m""#), "{html}");
        assert_eq!(forms[0].auth, AuthRequirement::Required);
        assert_eq!(forms[0].redirect.as_deref(), Some("/welcome/"));
    }

    #[test]
    fn one_name_two_definitions_names_both_pages() {
        let (_, a) = rewrite_forms(
            r#"<form data-form="c"><input name="x"></form>"#,
            "content/a.md",
            &FormSettings::default(),
        )
        .unwrap();
        let (_, same) = rewrite_forms(
            r#"<form data-form="c"><input name="x"></form>"#,
            "content/b.md",
            &FormSettings::default(),
        )
        .unwrap();
        let (_, other) = rewrite_forms(
            r#"<form data-form="c"><input name="y"></form>"#,
            "content/c.md",
            &FormSettings::default(),
        )
        .unwrap();
        let manifest = build_manifest(a.iter().cloned().chain(same).collect()).unwrap();
        assert_eq!(manifest.forms.len(), 1);
        let errors = build_manifest(a.into_iter().chain(other).collect()).unwrap_err();
        assert_eq!(errors.len(), 1);
        let err = errors[0].to_string();
        assert!(
            err.contains("content/a.md") && err.contains("content/c.md"),
            "{err}"
        );
        assert!(err.contains("fields [x] vs [y]"), "{err}");
    }

    #[test]
    fn honeypot_name_clash_is_an_error() {
        let err = discover(r#"<form data-form="c"><input name="homepage"></form>"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("data-honeypot"), "{err}");
        let (_, forms) =
            discover(r#"<form data-form="c" data-honeypot="trap"><input name="homepage"></form>"#)
                .unwrap();
        assert_eq!(forms[0].honeypot, "trap");
    }

    #[test]
    fn nested_forms_are_rejected() {
        // HTML parsers drop a nested <form> start tag; the outer one stays.
        let result =
            discover(r#"<form data-form="a"><input name="x"><form data-form="b"></form></form>"#);
        let err = result.unwrap_err().to_string();
        assert!(err.contains("cannot be nested"), "{err}");
    }

    #[test]
    fn script_only_on_pages_with_a_form() {
        let settings = FormSettings {
            script_url: Some("/docs/letterbox-forms.js".into()),
            ..Default::default()
        };
        let page = format!("<html><body>{CONTACT}</BODY></html>");
        let (html, forms) = rewrite_forms(&page, "content/contact.md", &settings).unwrap();
        assert_eq!(forms.len(), 1);
        let tag = "<script src=\"/docs/letterbox-forms.js\" defer></script>";
        assert_eq!(html.matches(tag).count(), 1);
        assert!(html.find(tag).unwrap() < html.find("</BODY>").unwrap());
        let plain = "<html><body><form><input name=q></form></body></html>";
        let (html, forms) = rewrite_forms(plain, "content/x.md", &settings).unwrap();
        assert!(forms.is_empty());
        assert_eq!(html, plain);
        // Without a URL nothing is added.
        let (html, _) = rewrite_forms(&page, "content/contact.md", &Default::default()).unwrap();
        assert!(!html.contains("<script"));
    }

    #[test]
    fn builtin_scripts_are_small() {
        let [(forms_name, forms_js), (admin_name, admin_js)] = builtin_assets();
        assert_eq!((forms_name, admin_name), (FORMS_SCRIPT, ADMIN_SCRIPT));
        // Loaded (deferred) on every page with a form; the member login box
        // took it past 4 KiB.
        assert!(
            forms_js.len() <= 6144,
            "letterbox-forms.js is {} bytes minified",
            forms_js.len()
        );
        assert!(forms_js.contains("Accept: \"application/json\""));
        assert!(!forms_js.contains("\n//") && !forms_js.contains("\n "));
        assert!(admin_js.len() < ADMIN_JS_SOURCE.len());
        assert_eq!(
            minify_js("  // c\n\n  a = 1; // x\n\tb();\n"),
            "a = 1; // x\nb();\n"
        );
    }

    #[test]
    fn each_form_problem_is_one_error_at_its_line() {
        let body = "Intro\n\n<form data-form=\"c\">\n<input name=\"a\" maxlength=\"lots\">\n<input type=\"file\" name=\"cv\">\n</form>\n";
        let source = FormSource {
            file: "content/contact.md",
            body: Some((body, 4)),
        };
        let errors = rewrite_forms_in(body, source, &FormSettings::default()).unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "content/contact.md:7: form \"c\": field \"a\": maxlength=\"lots\" is not a non-negative whole number",
                "content/contact.md:8: form \"c\": field \"cv\" is a file input; file uploads are not supported yet",
            ]
        );
    }

    #[test]
    fn nameless_controls_are_found_by_line() {
        let body = "<form data-form=\"c\">\n<input name=\"a\">\n<input type=\"submit\">\n<input type=\"email\">\n</form>\n";
        let mut discovery = Discovery::new(FormSource {
            file: "content/c.md",
            body: Some((body, 3)),
        });
        assert_eq!(discovery.nth_line("c", "<input", 3), Some(6));
        assert_eq!(discovery.line("c", Some("name=\"a\"")), Some(4));
        discovery.seen = [0; 3];
        // The schema holds the named field only.
        let (_, forms) = rewrite_forms(body, "content/c.md", &FormSettings::default()).unwrap();
        assert_eq!(forms[0].fields.len(), 1);
    }
}
