//! Validation of a submission against its form, as browsers validate.
//!
//! Lengths (`minlength`, `maxlength`, [`DEFAULT_MAX_LENGTH`]) are counted as
//! browsers count them: in UTF-16 code units of the value, with a
//! textarea's CRLF counted as one line break (the textarea's API value).
//! The hard cap [`MAX_VALUE_CHARS`] counts Unicode scalar values.

#[cfg(feature = "build")]
mod build;
mod html;
mod messages;
#[cfg(feature = "build")]
mod nested;
mod number;
mod pattern;
mod rules;
mod temporal;
#[cfg(test)]
mod tests;
mod value;

#[cfg(feature = "build")]
pub use build::{check_form, compile_patterns, pattern_warnings};
pub use messages::localize;
#[cfg(feature = "build")]
pub use messages::{MESSAGE_LANGUAGES, catalogue, is_message_id};
pub use rules::{DEFAULT_MAX_LENGTH, FieldError, MAX_VALUE_CHARS, MAX_VALUES};

use crate::schema::{Form, FormData};
use rules::shorten;
use value::check_field;

/// Checks `data` against `form`. The honeypot field is the handler's business
/// and is accepted here (empty or not). Messages are in the form's
/// language (its page's), with the site's own texts for it.
pub fn validate(form: &Form, data: &FormData) -> Result<(), Vec<FieldError>> {
    check(form, data).map_err(|mut errors| {
        localize(&mut errors, &form.messages);
        errors
    })
}

fn check(form: &Form, data: &FormData) -> Result<(), Vec<FieldError>> {
    if let Some((name, _)) = data.0.get(MAX_VALUES) {
        return Err(vec![FieldError::new(
            &shorten(name),
            "limit",
            format!("Too many values: a submission may hold at most {MAX_VALUES}."),
        )]);
    }
    let mut errors = Vec::new();
    for (name, _) in data.grouped() {
        if form.field(name).is_none() && name != form.honeypot {
            let shown = shorten(name);
            errors.push(FieldError::new(
                &shown,
                "unknown",
                format!("This form has no field named “{shown}”."),
            ));
        }
    }
    for field in &form.fields {
        let values: Vec<&str> = data.values(&field.name).collect();
        check_field(field, &values, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
