//! Why a pattern has no linear-time translation.

/// Why a pattern has no linear-time translation (the message says why).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unsupported(pub String);

pub(super) fn unsupported(what: &str) -> Unsupported {
    Unsupported(format!(
        "{what} cannot be matched in linear time, so a crafted value could make \
         checking it take minutes; rewrite the pattern without it"
    ))
}
