//! Shortcodes: Tera templates in `templates/shortcodes/` called from
//! Markdown, Zola style — inline `{{ youtube(id="abc") }}` and with a body
//! `{% note(kind="warning") %}Markdown **body**{% end %}` (the body is
//! rendered as Markdown and passed to the template as `body`).
//!
//! Calls are replaced by placeholders before the Markdown is parsed and the
//! placeholders by the templates' output afterwards, so that output passes
//! through untouched (a placeholder alone in a paragraph replaces the whole
//! paragraph). Calls inside fenced or indented code blocks and inline code
//! are left as they are. Arguments are strings (`"…"` or `'…'`), numbers,
//! booleans and arrays of those.

mod expand;
mod parse;
mod render;

pub(crate) use expand::may_have_shortcodes;
pub(crate) use render::render_markdown;

#[cfg(test)]
mod tests;
