//! Checking one field's values: count, required, length, line breaks, and
//! the kind's own syntax (e-mail, URL, colour, options, numbers, dates),
//! then the field's `pattern`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::html;
use super::number::check_number;
use super::pattern;
use super::rules::{
    DEFAULT_MAX_LENGTH, FieldError, MAX_VALUE_CHARS, has_length, has_pattern, html_length,
    is_single_line, plural, shorten,
};
use super::temporal::{Temporal, check_temporal};
use crate::schema::{Field, FieldKind};

/// A field's translated pattern, compiled once per process (a Spin instance
/// serves up to 128 requests): patterns come from the manifest, never from a
/// request, so the cache holds at most the site's patterns. `None` for one
/// that does not compile (the build refuses those).
fn cached_pattern(linear: &str) -> Option<Arc<regex_lite::Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<regex_lite::Regex>>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Ok(cache) = cache.lock()
        && let Some(compiled) = cache.get(linear)
    {
        return compiled.clone();
    }
    let compiled = pattern::compile(linear).ok().map(Arc::new);
    if let Ok(mut cache) = cache.lock() {
        cache.insert(linear.to_owned(), compiled.clone());
    }
    compiled
}

pub(super) fn check_field(field: &Field, values: &[&str], errors: &mut Vec<FieldError>) {
    let name = field.name.as_str();
    let repeatable =
        field.multiple && matches!(field.kind, FieldKind::Select | FieldKind::Checkbox);
    if values.len() > 1 && !repeatable {
        errors.push(FieldError::new(
            name,
            "multiple",
            format!(
                "Only one value is allowed for this field (received {}).",
                values.len()
            ),
        ));
        return;
    }
    if field.required && values.iter().all(|v| v.is_empty()) {
        let message = match field.kind {
            FieldKind::Checkbox if field.options.len() <= 1 => {
                "Please tick this box if you want to proceed."
            }
            FieldKind::Checkbox => "Please tick at least one of these boxes.",
            FieldKind::Radio => "Please select one of these options.",
            FieldKind::Select => "Please select an item in the list.",
            _ => "Please fill in this field.",
        };
        errors.push(FieldError::new(name, "required", message));
        return;
    }
    let pattern = field
        .linear_pattern
        .as_deref()
        .filter(|_| has_pattern(field.kind))
        .and_then(cached_pattern);
    for value in values.iter().filter(|v| !v.is_empty()) {
        check_value(field, value, pattern.as_deref(), errors);
    }
}

fn check_value(
    field: &Field,
    value: &str,
    pattern: Option<&regex_lite::Regex>,
    errors: &mut Vec<FieldError>,
) {
    let name = field.name.as_str();
    let kind = field.kind;
    let chars = value.chars().count();
    if chars > MAX_VALUE_CHARS {
        errors.push(FieldError::new(
            name,
            "limit",
            format!("This value is too long: at most {MAX_VALUE_CHARS} characters are accepted (you entered {chars})."),
        ));
        return;
    }
    let length = html_length(kind, value);
    let max = field
        .maxlength
        .filter(|_| has_length(kind))
        .map(|m| m as usize);
    // Too long: nothing else is checked, so a pattern never runs on a value
    // longer than the field allows.
    match max {
        Some(max) if length > max => {
            let limit = plural(max, "character", "characters");
            let message = format!("Please enter at most {limit} (you entered {length}).");
            errors.push(FieldError::new(name, "maxlength", message));
            return;
        }
        None if length > DEFAULT_MAX_LENGTH => {
            let message = format!(
                "This value is too long: at most {DEFAULT_MAX_LENGTH} characters are accepted \
                 (you entered {length})."
            );
            errors.push(FieldError::new(name, "limit", message));
            return;
        }
        _ => {}
    }
    if let Some(min) = field
        .minlength
        .filter(|_| has_length(kind))
        .map(|m| m as usize)
        && length < min
    {
        errors.push(FieldError::new(
            name,
            "minlength",
            format!(
                "Please enter at least {} (you entered {length}).",
                plural(min, "character", "characters")
            ),
        ));
    }
    if is_single_line(kind) && value.contains(['\r', '\n']) {
        errors.push(FieldError::new(
            name,
            "type",
            "This field cannot contain line breaks.",
        ));
        return;
    }
    check_kind(field, value, pattern, errors);
}

/// The kind's own syntax and rules, then the pattern where it applies.
fn check_kind(
    field: &Field,
    value: &str,
    pattern: Option<&regex_lite::Regex>,
    errors: &mut Vec<FieldError>,
) {
    let name = field.name.as_str();
    let kind = field.kind;
    match kind {
        FieldKind::Email => check_email(field, value, pattern, errors),
        FieldKind::Url => {
            if url::Url::parse(value).is_err() {
                errors.push(FieldError::new(
                    name,
                    "type",
                    "Please enter a URL, like https://example.com/.",
                ));
            } else {
                check_pattern(name, value, pattern, errors);
            }
        }
        FieldKind::Text | FieldKind::Search | FieldKind::Tel | FieldKind::Password => {
            check_pattern(name, value, pattern, errors);
        }
        FieldKind::Textarea | FieldKind::Hidden => {}
        FieldKind::Color => {
            if !html::is_simple_color(value) {
                errors.push(FieldError::new(
                    name,
                    "type",
                    "Please enter a colour as #rrggbb, like #1a2b3c.",
                ));
            }
        }
        FieldKind::Select | FieldKind::Radio | FieldKind::Checkbox => {
            let allowed = if kind == FieldKind::Checkbox && field.options.is_empty() {
                value == "on"
            } else {
                field.options.iter().any(|o| o == value)
            };
            if !allowed {
                errors.push(FieldError::new(
                    name,
                    "option",
                    "Please choose one of the options offered.",
                ));
            }
        }
        FieldKind::Number | FieldKind::Range => check_number(field, value, errors),
        FieldKind::Date
        | FieldKind::Month
        | FieldKind::Week
        | FieldKind::Time
        | FieldKind::DatetimeLocal => {
            if let Some(t) = Temporal::of(kind) {
                check_temporal(field, t, value, errors);
            }
        }
    }
}

fn check_pattern(
    name: &str,
    value: &str,
    pattern: Option<&regex_lite::Regex>,
    errors: &mut Vec<FieldError>,
) {
    if let Some(re) = pattern
        && !re.is_match(value)
    {
        errors.push(FieldError::new(
            name,
            "pattern",
            "Please match the requested format.",
        ));
    }
}

fn check_email(
    field: &Field,
    value: &str,
    pattern: Option<&regex_lite::Regex>,
    errors: &mut Vec<FieldError>,
) {
    let name = field.name.as_str();
    if field.multiple {
        let tokens: Vec<&str> = value.split(',').map(html::trim_ascii_whitespace).collect();
        if let Some(bad) = tokens.iter().find(|t| !html::is_valid_email(t)) {
            let message = if bad.is_empty() {
                "Please enter a comma-separated list of e-mail addresses (one of them is empty)."
                    .to_owned()
            } else {
                format!(
                    "Please enter a comma-separated list of e-mail addresses (“{}” is not one).",
                    shorten(bad)
                )
            };
            errors.push(FieldError::new(name, "type", message));
            return;
        }
        if let Some(re) = pattern
            && tokens.iter().any(|t| !re.is_match(t))
        {
            errors.push(FieldError::new(
                name,
                "pattern",
                "Please match the requested format for each address.",
            ));
        }
    } else if !html::is_valid_email(value) {
        errors.push(FieldError::new(
            name,
            "type",
            "Please enter an e-mail address, like name@example.com.",
        ));
    } else {
        check_pattern(name, value, pattern, errors);
    }
}
