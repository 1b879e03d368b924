//! `pattern` attributes in linear time.
//!
//! Browsers compile a field's `pattern` as `^(?:pattern)$` with the `v` flag
//! and match it with a backtracking engine, which a crafted value can make
//! run for minutes. The API must not: at build time [`linear_pattern`]
//! translates the (already checked) ECMAScript pattern into the syntax of
//! `regex-lite`, whose matching is O(pattern × value), and the manifest
//! carries that translation. Semantics are kept exactly: matching is by code
//! point, `\d \w \b` are ASCII as in ECMAScript, `\s` and `.` get
//! ECMAScript's sets, character classes (nested, `&&`, `--`, `\q{…}` of
//! single characters, `\p{…}`) are flattened into ranges here, with Unicode
//! properties from `regex-syntax`'s tables — so the component carries no
//! Unicode tables at all.
//!
//! What a finite automaton cannot do is refused with a message: lookahead,
//! lookbehind, backreferences, properties of strings and multi-character
//! `\q{…}`, and inline modifiers.

mod matcher;
#[cfg(feature = "build")]
mod parse;
#[cfg(feature = "build")]
mod set;
#[cfg(test)]
mod tests;
#[cfg(feature = "build")]
mod translate;
#[cfg(feature = "build")]
mod unsupported;

pub(super) use matcher::compile;
#[cfg(feature = "build")]
pub(super) use translate::{BUDGET, linear_pattern};
