//! Sets of code points, flattened into ranges: ECMAScript's `\s`, `\w`,
//! `\d`, `.` and Unicode properties (from regex-syntax's tables).

use super::unsupported::Unsupported;

/// A set of code points as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Set(pub(super) Vec<(u32, u32)>);

pub(super) const MAX_CODE_POINT: u32 = 0x10FFFF;

impl Set {
    pub(super) fn of(ranges: &[(u32, u32)]) -> Self {
        let mut set = Set(ranges.to_vec());
        set.normalize();
        set
    }

    pub(super) fn char(c: u32) -> Self {
        Set(vec![(c, c)])
    }

    fn normalize(&mut self) {
        self.0.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.0.len());
        for &(lo, hi) in &self.0 {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        self.0 = merged;
    }

    pub(super) fn union(mut self, other: &Set) -> Self {
        self.0.extend_from_slice(&other.0);
        self.normalize();
        self
    }

    pub(super) fn complement(&self) -> Self {
        let mut out = Vec::new();
        let mut next = 0u32;
        for &(lo, hi) in &self.0 {
            if lo > next {
                out.push((next, lo - 1));
            }
            next = hi.saturating_add(1);
        }
        if next <= MAX_CODE_POINT {
            out.push((next, MAX_CODE_POINT));
        }
        Set(out)
    }

    pub(super) fn intersect(&self, other: &Set) -> Self {
        self.complement().union(&other.complement()).complement()
    }

    pub(super) fn subtract(&self, other: &Set) -> Self {
        self.intersect(&other.complement())
    }
}

/// ECMAScript's `\s`: WhiteSpace and LineTerminator.
pub(super) fn space() -> Set {
    Set::of(&[
        (0x09, 0x0D),
        (0x20, 0x20),
        (0xA0, 0xA0),
        (0x1680, 0x1680),
        (0x2000, 0x200A),
        (0x2028, 0x2029),
        (0x202F, 0x202F),
        (0x205F, 0x205F),
        (0x3000, 0x3000),
        (0xFEFF, 0xFEFF),
    ])
}

pub(super) fn word() -> Set {
    Set::of(&[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])
}

pub(super) fn digit() -> Set {
    Set::of(&[(0x30, 0x39)])
}

/// `.` without the `s` flag: everything but line terminators.
pub(super) fn dot() -> Set {
    Set::of(&[(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)]).complement()
}

/// `\p{…}` from regex-syntax's Unicode tables. The name was checked by
/// regress, which follows ECMAScript's spelling strictly.
pub(super) fn property(body: &str) -> Result<Set, Unsupported> {
    use regex_syntax::hir::{Class, HirKind};
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&format!("\\p{{{body}}}"))
        .map_err(|_| {
            Unsupported(format!(
                "\\p{{{body}}} is not supported (properties of strings, such as emoji \
                 sequences, cannot be matched in linear time)"
            ))
        })?;
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => Ok(Set::of(
            &class
                .ranges()
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect::<Vec<_>>(),
        )),
        _ => Err(Unsupported(format!("\\p{{{body}}} is not supported"))),
    }
}
