//! The API's side: compiling a translated pattern for matching.

/// The size limit `regex-lite` compiles translated patterns with, at build
/// time and in the API alike (so what the build accepts, the API compiles).
/// It bounds the automaton and with it the time per character of a value.
pub(super) const SIZE_LIMIT: usize = 256 * 1024;

/// Compiles a translated pattern for matching (the API's side).
pub(crate) fn compile(linear: &str) -> Result<regex_lite::Regex, regex_lite::Error> {
    regex_lite::RegexBuilder::new(linear)
        .size_limit(SIZE_LIMIT)
        .build()
}
