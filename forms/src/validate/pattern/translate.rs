//! Translating a pattern into an anchored `regex-lite` expression, and
//! what matching it can cost.

use std::fmt::Write as _;

use super::matcher::compile;
use super::parse::{Node, Parser};
use super::set::Set;
use super::unsupported::Unsupported;

/// Matching time is at most proportional to the automaton's states times
/// the characters read, about 15-25 ns each natively (see the `patterns`
/// benchmark). A field's pattern may cost at most this many state-characters
/// on the longest value the field accepts: about 5-8 ms.
pub(crate) const BUDGET: u64 = 300_000;

/// A pattern ready for the API, and what matching it can cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Linear {
    /// The anchored `regex-lite` expression.
    pub regex: String,
    /// Automaton states a character can keep busy (an upper bound).
    pub states: u64,
    /// The longest value that can match, if bounded: matching a longer one
    /// stops after this many characters.
    pub max_match: Option<u64>,
}

impl Linear {
    /// The worst-case work (state-characters) on a value of `len` characters.
    pub(crate) fn cost(&self, len: u64) -> u64 {
        let read = self.max_match.map_or(len, |m| m.saturating_add(1).min(len));
        self.states.saturating_mul(read)
    }
}

/// Translates a valid ECMAScript `v`-flag pattern (check it with regress
/// first) into an anchored `regex-lite` expression with the same matches.
pub(crate) fn linear_pattern(pattern: &str) -> Result<Linear, Unsupported> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
    };
    let node = parser.disjunction()?;
    if parser.pos != parser.chars.len() {
        return Err(Unsupported(format!(
            "unexpected `{}` at character {}",
            parser.chars[parser.pos],
            parser.pos + 1
        )));
    }
    let mut out = String::from("^(?:");
    emit(&node, &mut out);
    out.push_str(")$");
    compile(&out).map_err(|e| {
        Unsupported(format!(
            "the pattern is too large for linear-time matching ({e})"
        ))
    })?;
    Ok(Linear {
        regex: out,
        states: states(&node).max(1),
        max_match: max_match(&node),
    })
}

/// An upper bound of the automaton's states: every atom once per copy a
/// repetition makes (`x{2,5}`: five copies; `x+`: two).
fn states(node: &Node) -> u64 {
    match node {
        Node::Concat(nodes) | Node::Alternation(nodes) => {
            nodes.iter().map(states).fold(0, u64::saturating_add)
        }
        Node::Repeat { node, min, max } => {
            let copies = match max {
                Some(max) => u64::from(*max).max(1),
                None => u64::from(*min) + 1,
            };
            states(node).saturating_mul(copies)
        }
        _ => 1,
    }
}

/// The most characters a match can span, or `None` when unbounded.
fn max_match(node: &Node) -> Option<u64> {
    match node {
        Node::Set(_) => Some(1),
        Node::Concat(nodes) => nodes
            .iter()
            .try_fold(0u64, |sum, n| Some(sum.saturating_add(max_match(n)?))),
        Node::Alternation(nodes) => nodes
            .iter()
            .try_fold(0u64, |most, n| Some(most.max(max_match(n)?))),
        Node::Repeat { node, max, .. } => {
            let inner = max_match(node)?;
            if inner == 0 {
                Some(0)
            } else {
                Some(inner.saturating_mul(u64::from((*max)?)))
            }
        }
        _ => Some(0),
    }
}

fn emit(node: &Node, out: &mut String) {
    match node {
        Node::Empty => {}
        Node::Start => out.push('^'),
        Node::End => out.push('$'),
        Node::WordBoundary => out.push_str("\\b"),
        Node::NotWordBoundary => out.push_str("\\B"),
        Node::Set(set) => emit_set(set, out),
        Node::Concat(nodes) => nodes.iter().for_each(|n| emit(n, out)),
        Node::Alternation(nodes) => {
            out.push_str("(?:");
            for (i, n) in nodes.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                emit(n, out);
            }
            out.push(')');
        }
        Node::Repeat { node, min, max } => {
            out.push_str("(?:");
            emit(node, out);
            out.push(')');
            let _ = match max {
                None => write!(out, "{{{min},}}"),
                Some(max) => write!(out, "{{{min},{max}}}"),
            };
        }
    }
}

/// A set as a class of ranges, without surrogates (no `char` is one).
fn emit_set(set: &Set, out: &mut String) {
    let surrogates = Set::of(&[(0xD800, 0xDFFF)]);
    let set = set.subtract(&surrogates);
    if set.0.is_empty() {
        // An empty class matches nothing; neither does this.
        out.push_str("(?:\\b\\B)");
        return;
    }
    if let [(lo, hi)] = set.0.as_slice()
        && lo == hi
    {
        let _ = write!(out, "\\x{{{lo:X}}}");
        return;
    }
    out.push('[');
    for (lo, hi) in &set.0 {
        if lo == hi {
            let _ = write!(out, "\\x{{{lo:X}}}");
        } else {
            let _ = write!(out, "\\x{{{lo:X}}}-\\x{{{hi:X}}}");
        }
    }
    out.push(']');
}
