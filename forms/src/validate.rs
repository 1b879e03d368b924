//! Validation of a submission against its form, as browsers validate.
//!
//! STUB: the signatures below are the contract other modules build on; the
//! bodies are being written (see the forms validation work).

use crate::schema::{Form, FormData};

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

/// Checks `data` against `form`. The honeypot field is the handler's business
/// and is accepted here (empty or not).
pub fn validate(form: &Form, data: &FormData) -> Result<(), Vec<FieldError>> {
    let _ = (form, data);
    Ok(())
}

/// Checks a form definition itself (for the generator, at build time): every
/// `pattern` compiles as an ECMAScript regular expression, `min`/`max`/`step`
/// parse for the field's kind, lengths are consistent. Returns one message per
/// problem, each naming the field.
pub fn check_form(form: &Form) -> Result<(), Vec<String>> {
    let _ = form;
    Ok(())
}
