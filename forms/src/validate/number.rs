//! Number and range fields: `min`, `max` and `step` as browsers check
//! them, exactly where the numbers allow.

use std::cmp::Ordering;

use super::html::{self, Decimal, Nearest};
use super::rules::FieldError;
use crate::schema::{Field, FieldKind};

/// A number as both a double (what browsers compare with) and, where it
/// fits, an exact decimal (for step checks without float error).
#[derive(Debug, Clone, Copy)]
pub(super) struct Num {
    pub(super) float: f64,
    pub(super) exact: Option<Decimal>,
}

impl Num {
    pub(super) fn parse(s: &str) -> Option<Self> {
        Some(Self {
            float: html::parse_float(s)?,
            exact: Decimal::parse(s),
        })
    }

    pub(super) fn int(i: i64) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let float = i as f64;
        Self {
            float,
            exact: Some(Decimal::from_int(i)),
        }
    }

    pub(super) fn cmp(&self, other: &Self) -> Ordering {
        if let (Some(a), Some(b)) = (self.exact, other.exact)
            && let Some(o) = a.cmp_exact(b)
        {
            return o;
        }
        self.float
            .partial_cmp(&other.float)
            .unwrap_or(Ordering::Equal)
    }

    /// `None` when `self` is on a step; otherwise the nearest valid values
    /// below and above, where exactly computable.
    /// `tolerant`: Chromium's allowance for number and range inputs (see
    /// [`Decimal::step_mismatch`]).
    pub(super) fn step_mismatch(
        &self,
        base: &Self,
        step: &Self,
        tolerant: bool,
    ) -> Option<Option<Nearest>> {
        if let (Some(v), Some(b), Some(s)) = (self.exact, base.exact, step.exact)
            && let Ok(result) = Decimal::step_mismatch(v, b, s, tolerant)
        {
            return result.map(Some);
        }
        let n = (self.float - base.float) / step.float;
        if !n.is_finite() || (tolerant && n.abs() > 2f64.powi(53)) {
            return None;
        }
        let allowed = if tolerant {
            2f64.powi(-24)
        } else {
            1e-9 * n.abs().max(1.0)
        };
        ((n - n.round()).abs() > allowed).then_some(None)
    }
}

/// The step of a field: `None` for `any`; the kind's default when the
/// attribute is missing or invalid (as HTML says).
pub(super) fn step_of(field: &Field, default: &str) -> Option<Num> {
    match field.step.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("any") => None,
        Some(s) => Num::parse(s)
            .filter(|n| n.float > 0.0)
            .or_else(|| Num::parse(default)),
        None => Num::parse(default),
    }
}

pub(super) fn check_number(field: &Field, value: &str, errors: &mut Vec<FieldError>) {
    let name = field.name.as_str();
    let Some(v) = Num::parse(value) else {
        errors.push(FieldError::new(
            name,
            "type",
            "Please enter a number, like 42, -1.5 or 1e3.",
        ));
        return;
    };
    let range = field.kind == FieldKind::Range;
    let min = field
        .min
        .as_deref()
        .and_then(Num::parse)
        .or_else(|| range.then(|| Num::int(0)));
    let mut max = field
        .max
        .as_deref()
        .and_then(Num::parse)
        .or_else(|| range.then(|| Num::int(100)));
    let mut max_written = field.max.as_ref();
    // A range's maximum is never below its minimum (HTML).
    if range
        && let (Some(lo), Some(hi)) = (min, max)
        && hi.cmp(&lo) == Ordering::Less
    {
        max = Some(lo);
        max_written = field.min.as_ref();
    }
    // A bound as the page wrote it, else (a range's defaults, which are
    // integers) its exact value: no float formatting, which would cost the
    // size-bound component its float-printing code.
    let text = |written: Option<&String>, m: &Num| {
        (written.cloned())
            .or_else(|| m.exact.map(|d| d.to_string()))
            .unwrap_or_default()
    };
    let min_text = |m: &Num| text(field.min.as_ref(), m);
    let max_text = |m: &Num| text(max_written, m);
    if let Some(m) = &min
        && v.cmp(m) == Ordering::Less
    {
        errors.push(FieldError::new(
            name,
            "min",
            format!("Please enter a number no less than {}.", min_text(m)),
        ));
        return;
    }
    if let Some(m) = &max
        && v.cmp(m) == Ordering::Greater
    {
        errors.push(FieldError::new(
            name,
            "max",
            format!("Please enter a number no greater than {}.", max_text(m)),
        ));
        return;
    }
    let Some(step) = step_of(field, "1") else {
        return;
    };
    let base = min.unwrap_or_else(|| Num::int(0));
    if let Some(nearest) = v.step_mismatch(&base, &step, true) {
        let message = match nearest {
            Some(Nearest { below, above })
                if max.is_some_and(|m| {
                    Num {
                        float: 0.0,
                        exact: Some(above),
                    }
                    .cmp(&m)
                        == Ordering::Greater
                }) =>
            {
                format!("Please enter a valid value. The nearest valid value is {below}.")
            }
            Some(Nearest { below, above }) => format!(
                "Please enter a valid value. The two nearest valid values are {below} and {above}."
            ),
            None => "Please enter a valid value: it does not fit the field's step.".to_owned(),
        };
        errors.push(FieldError::new(name, "step", message));
    }
}
