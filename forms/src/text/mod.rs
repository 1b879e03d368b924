//! Text helpers shared by the API and the generator: HTML escaping,
//! percent-decoding and calendar dates (RFC 3339 timestamps). One of each,
//! with its exact rules in its documentation; nothing here allocates more
//! than its result.

mod date;
mod escape;
mod percent;

pub use date::{
    CivilDate, civil_from_days, days_from_civil, days_in_month, is_leap_year, rfc3339_millis,
};
pub use escape::{escape_html, escape_html_double_quoted_into, escape_html_into, escape_html_to};
pub use percent::{PercentError, percent_decode, percent_decode_form};
