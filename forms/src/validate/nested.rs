//! A build-time lint for `pattern`s that a backtracking engine (browsers'
//! and `regress`, which the API uses) can take exponential time on: an
//! unbounded repetition of a group with an alternative made only of
//! repeated or optional parts, one of them unbounded, as in `(a+)+`,
//! `(\w+\s?)*` or `(x|[a-z]+)*`. Each iteration can then end at many
//! places, and a value crafted to fail makes the engine try them all. A
//! visitor can post such a value to stall the API, so the generator warns.
//! A heuristic: an alternative with a plain atom (`(\w+ )*`, `(-\d+)+`)
//! is taken as delimited, which is right unless the repeated part can
//! match that atom too (`(a+a)+` is missed).

/// One alternative of an open group.
#[derive(Default)]
struct Alternative {
    /// An unbounded repetition (`*`, `+`, `{n,}`) at this level or inside.
    unbounded: bool,
    /// An atom that must match once per pass (not quantified).
    plain: bool,
}

/// An open group.
#[derive(Default)]
struct Group {
    current: Alternative,
    /// A finished alternative with an unbounded part and no plain atom.
    undelimited: bool,
}

impl Group {
    fn end_alternative(&mut self) {
        let alt = std::mem::take(&mut self.current);
        self.undelimited |= alt.unbounded && !alt.plain;
    }
}

/// Whether `pattern` repeats without bound a group that one pass of can
/// match in many ways (see the module docs).
pub(crate) fn has_nested_repetition(pattern: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    let mut groups: Vec<Group> = vec![Group::default()];
    let mut i = 0;
    while i < chars.len() {
        let atom_end = match chars[i] {
            '\\' => escape_end(&chars, i),
            '[' => class_end(&chars, i),
            '|' => {
                if let Some(group) = groups.last_mut() {
                    group.end_alternative();
                }
                i += 1;
                continue;
            }
            '(' => {
                groups.push(Group::default());
                i = group_body_start(&chars, i);
                continue;
            }
            ')' => {
                let mut inner = groups.pop().unwrap_or_default();
                let had_unbounded = inner.current.unbounded;
                inner.end_alternative();
                if groups.is_empty() {
                    groups.push(Group::default());
                }
                let q = quantifier(&chars, i + 1);
                if q.unbounded && inner.undelimited {
                    return true;
                }
                if let Some(outer) = groups.last_mut() {
                    outer.current.unbounded |= q.unbounded || had_unbounded || inner.undelimited;
                    outer.current.plain |= !q.present && !inner.undelimited;
                }
                i += 1 + q.len;
                continue;
            }
            _ => i + 1,
        };
        let q = quantifier(&chars, atom_end);
        if let Some(group) = groups.last_mut() {
            group.current.unbounded |= q.unbounded;
            group.current.plain |= !q.present;
        }
        i = atom_end + q.len;
    }
    false
}

/// Index of the first atom of the group opening at `start`: past `(`,
/// and past `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>` or modifiers
/// (`?i:`), which are syntax, not atoms.
fn group_body_start(chars: &[char], start: usize) -> usize {
    let at = |k: usize| chars.get(start + k).copied();
    if at(1) != Some('?') {
        return start + 1;
    }
    let past = |close: char| {
        (chars[start..].iter().position(|&c| c == close)).map_or(chars.len(), |p| start + p + 1)
    };
    match (at(2), at(3)) {
        (Some(':' | '=' | '!'), _) => start + 3,
        (Some('<'), Some('=' | '!')) => start + 4,
        (Some('<'), _) => past('>'),
        _ => past(':'),
    }
}

/// Index just past the escape at `start`: `\p{…}`, `\u{…}` and `\k<…>`
/// to their closing bracket, `\xHH` and `\uHHHH` whole, else one character.
fn escape_end(chars: &[char], start: usize) -> usize {
    let after = |close: char| {
        (chars[start..].iter().position(|&c| c == close)).map_or(chars.len(), |p| start + p + 1)
    };
    match (chars.get(start + 1), chars.get(start + 2)) {
        (Some('p' | 'P' | 'u'), Some('{')) => after('}'),
        (Some('k'), Some('<')) => after('>'),
        (Some('x'), _) => start + 4,
        (Some('u'), _) => start + 6,
        _ => start + 2,
    }
    .min(chars.len())
}

/// Index just past the character class opening at `start` (classes nest
/// in `v` mode; escapes inside are skipped).
fn class_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

/// What follows an atom.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Quantifier {
    /// Whether there is a quantifier at all.
    present: bool,
    /// `*`, `+` or `{n,}`.
    unbounded: bool,
    /// Its length in characters (with a lazy `?`); 0 when there is none.
    len: usize,
}

/// The quantifier at `i`, if any.
fn quantifier(chars: &[char], i: usize) -> Quantifier {
    let lazy = |len: usize| len + usize::from(chars.get(i + len) == Some(&'?'));
    let found = |unbounded: bool, len: usize| Quantifier {
        present: true,
        unbounded,
        len,
    };
    match chars.get(i) {
        Some('*' | '+') => found(true, lazy(1)),
        Some('?') => found(false, lazy(1)),
        Some('{') => {
            let close = chars[i..].iter().position(|&c| c == '}');
            let Some(close) = close else {
                return Quantifier::default();
            };
            let body: String = chars[i + 1..i + close].iter().collect();
            let (min, max) = body.split_once(',').unwrap_or((&body, "x"));
            let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
            if !digits(min) || !(max.is_empty() || max == "x" || digits(max)) {
                return Quantifier::default(); // a literal `{`
            }
            found(max.is_empty(), lazy(close + 1))
        }
        _ => Quantifier::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_nested_unbounded_repetition_only() {
        let flagged = [
            "(a+)+",
            "(a*)*b",
            r"(\w+\s?)+",
            "((ab+)?c?)+",
            "(a+){2,}",
            "(a{2,})+",
            "(?:x|[a-z]+)*@",
            r"(\p{L}+ ?)+",
            "(a+?)+?",
            "((a+))+",
            "(?:a+)+",
            r"(?:\w+\s?)+",
            r"(?<w>\w+\s?)+",
            "(?i:a+)+",
            r"(\x41+ ?)+",
            r"(\u{1F600}+ ?)+",
        ];
        for pattern in flagged {
            assert!(has_nested_repetition(pattern), "{pattern} not flagged");
        }
        let passed = [
            "",
            "[a-z]+",
            "(?:ab)+",
            r"\d{3}-\d{4}",
            "(a+)?",
            "(a+){2,5}",
            r"\(a+\)+",
            "[(]+[)]+",
            "[[a-z]--[aeiou]]+",
            "(ab)(cd+)",
            "(?=a+)b",
            "(?<=a+)b",
            r"(?<w>\w+)(?: \k<w>)*",
            r"\w+(?: \w+)*",
            "([a-z]+-)*[a-z]+",
            r"(-\d+)+",
            "((ab)+c)+",
        ];
        for pattern in passed {
            assert!(!has_nested_repetition(pattern), "{pattern} flagged");
        }
    }
}
