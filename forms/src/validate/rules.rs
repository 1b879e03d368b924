//! What the rules are made of: the limits every submission meets, the
//! [`FieldError`] a broken rule gives, and which rules apply to which kind
//! of field.

use crate::schema::FieldKind;

/// At most this many (name, value) pairs in one submission, whatever the form.
pub const MAX_VALUES: usize = 200;
/// No value may be longer than this many characters (Unicode scalar
/// values), even where the form's `maxlength` is larger.
pub const MAX_VALUE_CHARS: usize = 100_000;
/// The length cap (as browsers count length) of a field without `maxlength`.
pub const DEFAULT_MAX_LENGTH: usize = 10_000;
/// Field names quoted in messages are cut to this many characters.
pub(super) const NAME_IN_MESSAGE: usize = 64;

/// One broken rule of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name (or the offending name, for an unknown field).
    pub field: String,
    /// Machine-readable rule: `required`, `minlength`, `maxlength`, `pattern`,
    /// `type`, `min`, `max`, `step`, `option`, `multiple`, `unknown`, `limit`.
    pub rule: &'static str,
    /// A sentence a visitor can act on.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: &str, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            rule,
            message: message.into(),
        }
    }
}

pub(super) fn shorten(name: &str) -> String {
    match name.char_indices().nth(NAME_IN_MESSAGE) {
        Some((at, _)) => format!("{}…", name.get(..at).unwrap_or_default()),
        None => name.to_owned(),
    }
}

/// Text-like kinds: the ones `minlength`, `maxlength` apply to.
pub(super) fn has_length(kind: FieldKind) -> bool {
    use FieldKind::*;
    matches!(
        kind,
        Text | Search | Email | Url | Tel | Password | Textarea
    )
}

/// Kinds `pattern` applies to (not textarea, as in HTML).
pub(super) fn has_pattern(kind: FieldKind) -> bool {
    use FieldKind::*;
    matches!(kind, Text | Search | Email | Url | Tel | Password)
}

/// Single-line inputs: a browser strips line breaks from their values.
pub(super) fn is_single_line(kind: FieldKind) -> bool {
    has_pattern(kind)
}

/// The length browsers measure: UTF-16 code units of the API value (for a
/// textarea, line breaks CRLF / CR count as one).
pub(super) fn html_length(kind: FieldKind, value: &str) -> usize {
    let units: usize = value.chars().map(char::len_utf16).sum();
    if kind == FieldKind::Textarea {
        units - value.matches("\r\n").count()
    } else {
        units
    }
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}
