//! Date and time fields (date, month, week, time, datetime-local): their
//! syntax, `min`, `max` and `step` in the units HTML gives them.

use super::html::{self, Decimal};
use super::number::{Num, step_of};
use super::rules::FieldError;
use crate::schema::{Field, FieldKind};

/// Date and time kinds, with their units as in HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Temporal {
    Date,
    Month,
    Week,
    Time,
    DatetimeLocal,
}

impl Temporal {
    pub(super) fn of(kind: FieldKind) -> Option<Self> {
        match kind {
            FieldKind::Date => Some(Self::Date),
            FieldKind::Month => Some(Self::Month),
            FieldKind::Week => Some(Self::Week),
            FieldKind::Time => Some(Self::Time),
            FieldKind::DatetimeLocal => Some(Self::DatetimeLocal),
            _ => None,
        }
    }

    /// The value in the kind's unit: ms since the epoch (date, week,
    /// datetime-local), ms since midnight (time), months since 1970-01.
    pub(super) fn parse(self, s: &str) -> Option<i64> {
        match self {
            Self::Date => html::parse_date(s).map(|d| d * html::MS_PER_DAY),
            Self::Month => html::parse_month(s),
            Self::Week => html::parse_week(s),
            Self::Time => html::parse_time(s),
            Self::DatetimeLocal => html::parse_datetime_local(s),
        }
    }

    pub(super) fn format(self, v: i64) -> Option<String> {
        match self {
            Self::Date => Some(html::format_date(v.div_euclid(html::MS_PER_DAY))),
            Self::Month => Some(html::format_month(v)),
            Self::Week => None,
            Self::Time => Some(html::format_time(v)),
            Self::DatetimeLocal => Some(html::format_datetime_local(v)),
        }
    }

    /// HTML's step scale factor and default step.
    pub(super) fn step_scale(self) -> (i64, &'static str) {
        match self {
            Self::Date => (html::MS_PER_DAY, "1"),
            Self::Month => (1, "1"),
            Self::Week => (7 * html::MS_PER_DAY, "1"),
            Self::Time | Self::DatetimeLocal => (1000, "60"),
        }
    }

    /// HTML's default step base (1970-W01 starts on Monday 1969-12-29).
    pub(super) fn default_base(self) -> i64 {
        if self == Self::Week { -259_200_000 } else { 0 }
    }

    #[cfg(feature = "build")]
    pub(super) fn noun(self) -> &'static str {
        match self {
            Self::Date => "date (YYYY-MM-DD)",
            Self::Month => "month (YYYY-MM)",
            Self::Week => "week (YYYY-Www)",
            Self::Time => "time (HH:MM)",
            Self::DatetimeLocal => "date and time (YYYY-MM-DDTHH:MM)",
        }
    }

    pub(super) fn type_message(self) -> &'static str {
        match self {
            Self::Date => "Please enter a valid date as YYYY-MM-DD, like 2026-11-28.",
            Self::Month => "Please enter a month as YYYY-MM, like 2026-11.",
            Self::Week => "Please enter a week as YYYY-Www, like 2026-W48.",
            Self::Time => "Please enter a time as HH:MM, like 14:30.",
            Self::DatetimeLocal => {
                "Please enter a date and time as YYYY-MM-DDTHH:MM, like 2026-11-28T14:30."
            }
        }
    }
}

pub(super) fn check_temporal(
    field: &Field,
    kind: Temporal,
    value: &str,
    errors: &mut Vec<FieldError>,
) {
    let name = field.name.as_str();
    let Some(v) = kind.parse(value) else {
        errors.push(FieldError::new(name, "type", kind.type_message()));
        return;
    };
    let min = field
        .min
        .as_deref()
        .and_then(|s| kind.parse(s).map(|m| (s, m)));
    let max = field
        .max
        .as_deref()
        .and_then(|s| kind.parse(s).map(|m| (s, m)));
    match (min, max) {
        // A time range may wrap past midnight (min 22:00, max 06:00).
        (Some((lo_s, lo)), Some((hi_s, hi))) if kind == Temporal::Time && lo > hi => {
            if v < lo && v > hi {
                errors.push(FieldError::new(
                    name,
                    "min",
                    format!("Please enter a time between {lo_s} and {hi_s} (across midnight)."),
                ));
                return;
            }
        }
        _ => {
            if let Some((s, m)) = min
                && v < m
            {
                errors.push(FieldError::new(
                    name,
                    "min",
                    format!("Please enter a value no earlier than {s}."),
                ));
                return;
            }
            if let Some((s, m)) = max
                && v > m
            {
                errors.push(FieldError::new(
                    name,
                    "max",
                    format!("Please enter a value no later than {s}."),
                ));
                return;
            }
        }
    }
    let (scale, default) = kind.step_scale();
    let Some(step) = step_of(field, default) else {
        return;
    };
    let step = match step
        .exact
        .and_then(|s| s.checked_mul(Decimal::from_int(scale)))
    {
        Some(exact) => Num {
            float: step.float * scale as f64,
            exact: Some(exact),
        },
        None => Num {
            float: step.float * scale as f64,
            exact: None,
        },
    };
    let base = Num::int(min.map_or(kind.default_base(), |(_, m)| m));
    if let Some(nearest) = Num::int(v).step_mismatch(&base, &step, false) {
        let shown = |value: Decimal| kind.format(value.to_i64()?);
        let pair = nearest.and_then(|n| Some((shown(n.below)?, shown(n.above)?)));
        let message = match pair {
            Some((lo, hi)) => format!(
                "Please enter a valid value. The two nearest valid values are {lo} and {hi}."
            ),
            None => "Please enter a valid value: it does not fit the field's step.".to_owned(),
        };
        errors.push(FieldError::new(name, "step", message));
    }
}
