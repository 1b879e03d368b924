//! Reading one form's schema from its HTML as the rewriter walks it: the
//! form element (name, auth, CAPTCHA), its inputs, textareas, selects and
//! options, and named buttons, each problem at its line.

use super::discovery::Discovery;
use super::settings::DEFAULT_HONEYPOT;
use crate::diagnostic::{Diagnostic, warn};
use letterbox_forms::{AuthRequirement, Captcha, CaptchaProvider, Field, FieldKind, Form};
use lol_html::html_content::Element;

/// A form name ends up in a URL path and a storage key: keep it plain.
fn valid_form_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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
    /// Warns (once per form and name) about a control whose name is one of
    /// [`SHADOWING_NAMES`], at its line.
    pub(super) fn warn_shadowing(&mut self, tag: &str, name: &str) {
        if !SHADOWING_NAMES.contains(&name) {
            return;
        }
        let Some(form) = self.current.as_ref().map(|f| f.name.clone()) else {
            return;
        };
        if !self.shadow_warned.insert(format!("{form}/{name}")) {
            return;
        }
        self.warn(
            &form,
            Some(&format!("name=\"{name}\"")),
            &format!(
                "a <{tag}> named \"{name}\" hides the form's own `{name}` from scripts (form.{name} becomes the control); rename it"
            ),
        );
    }

    /// Counts an `<input>` (0), `<textarea>` (1) or `<select>` (2) of the
    /// open form and warns when it has no name: the browser does not send
    /// it, and the form's schema has no field for it.
    pub(super) fn nameless(&mut self, kind: usize, el: &Element) -> bool {
        let tag = ["input", "textarea", "select"][kind];
        self.seen[kind] += 1;
        if el.get_attribute("name").is_some_and(|n| !n.is_empty()) {
            return false;
        }
        let Some(form) = self.current.as_ref().map(|f| f.name.clone()) else {
            return true;
        };
        let line = self.nth_line(&form, &format!("<{tag}"), self.seen[kind]);
        warn(&Diagnostic::new(
            &self.file,
            line.or_else(|| self.line(&form, None)),
            format!(
                "form \"{form}\": an <{tag}> without a name is not sent and is no field of the form's schema; give it name=\"…\""
            ),
        ));
        true
    }

    /// `data-captcha` and `data-sitekey` of a form: both or neither.
    fn captcha(&mut self, name: &str, el: &Element) -> Option<Captcha> {
        let provider = el.get_attribute("data-captcha").filter(|p| !p.is_empty());
        let sitekey = el
            .get_attribute("data-sitekey")
            .filter(|k| !k.trim().is_empty());
        match (provider, sitekey) {
            (None, None) => None,
            (Some(provider), sitekey) => {
                let Some(known) = CaptchaProvider::from_name(&provider) else {
                    let error = self.problem(
                        name,
                        Some("data-captcha="),
                        &format!(
                            "data-captcha=\"{provider}\" must be \"turnstile\", \"hcaptcha\" or \"recaptcha\""
                        ),
                    );
                    self.errors.push(error);
                    return None;
                };
                let Some(sitekey) = sitekey else {
                    let error = self.problem(
                        name,
                        Some("data-captcha="),
                        "data-captcha needs data-sitekey=\"…\" (the provider's site key)",
                    );
                    self.errors.push(error);
                    return None;
                };
                let sitekey = sitekey.trim();
                if !sitekey
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                {
                    let error = self.problem(
                        name,
                        Some("data-sitekey="),
                        &format!("data-sitekey=\"{sitekey}\" is not a site key (letters, digits, '-', '_', '.')"),
                    );
                    self.errors.push(error);
                    return None;
                }
                Some(Captcha {
                    provider: known,
                    sitekey: sitekey.to_owned(),
                })
            }
            (None, Some(_)) => {
                let error = self.problem(
                    name,
                    Some("data-sitekey="),
                    "data-sitekey without data-captcha=\"turnstile|hcaptcha|recaptcha\"",
                );
                self.errors.push(error);
                None
            }
        }
    }

    pub(super) fn start_form(&mut self, name: &str, el: &Element) {
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
        let captcha = self.captcha(name, el);
        self.seen = [0; 3];
        self.current = Some(Form {
            name: name.to_owned(),
            page: self.file.clone(),
            redirect: el.get_attribute("data-redirect").filter(|r| !r.is_empty()),
            auth,
            honeypot,
            fields: Vec::new(),
            notify: Default::default(),
            captcha,
            spam_check: None,
            publish: Vec::new(),
            retention_days: None,
            lang: None,
            messages: Default::default(),
        });
    }

    pub(super) fn finish_form(&mut self) {
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
    pub(super) fn add_field(&mut self, field: Field, option: Option<String>) {
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

    pub(super) fn input(&mut self, el: &Element) {
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

    pub(super) fn textarea(&mut self, el: &Element) {
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

    pub(super) fn start_select(&mut self, el: &Element) {
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

    pub(super) fn finish_select(&mut self) {
        self.flush_option();
        self.open_select = None;
    }

    pub(super) fn option(&mut self, el: &Element) {
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

    pub(super) fn option_text(&mut self, text: &str) {
        if let Some(pending) = self.pending_option.as_mut() {
            pending.push_str(text);
        }
    }

    pub(super) fn flush_option(&mut self) {
        if let Some(text) = self.pending_option.take() {
            // An option's value defaults to its text, whitespace stripped and
            // collapsed, as the HTML spec says.
            let value = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
            self.push_option(html_unescape(&value));
        }
    }

    pub(super) fn push_option(&mut self, value: String) {
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
    pub(super) fn button(&mut self, el: &Element) {
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

    pub(super) fn length_attr(&mut self, el: &Element, field: &str, attr: &str) -> Option<u32> {
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
