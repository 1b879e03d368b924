//! `@/page.md#anchor` links: the anchor must be a heading id of the target
//! page, or the build fails naming the file and line of the link.

use std::collections::HashMap;

use pulldown_cmark::{Event, Options, Parser, Tag};

use super::render::{BrokenLink, HeadingIds};

/// The `@/…#anchor` links of `markdown` whose anchor is not an id of the
/// target (`ids` by content path). Links to missing pages are reported by
/// the link resolver, not here.
pub(crate) fn broken_anchors(markdown: &str, ids: &HashMap<&str, &HeadingIds>) -> Vec<BrokenLink> {
    let mut broken = Vec::new();
    if !markdown.contains("@/") {
        return broken;
    }
    let options = Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_FOOTNOTES;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        let (Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. })) =
            &event
        else {
            continue;
        };
        let Some((file, anchor)) = dest_url.strip_prefix("@/").and_then(|t| t.split_once('#'))
        else {
            continue;
        };
        let Some(target) = ids.get(file) else {
            continue;
        };
        if !anchor.is_empty() && !target.contains(anchor) {
            broken.push(BrokenLink {
                line: crate::text::line_of(markdown, range.start),
                message: format!(
                    "broken link `{dest_url}`: content/{file} has no heading with id `{anchor}`"
                ),
            });
        }
    }
    broken
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reports_missing_anchor_with_line() {
        let a =
            crate::markdown::render::render("# Intro\n\n## Intro {#intro}\n", &Default::default())
                .ids;
        let ids: HashMap<&str, &HeadingIds> = [("a.md", &a)].into_iter().collect();
        let md = "[ok](@/a.md#intro)\n\n[bad](@/a.md#nope) [other](@/b.md#x) `[code](@/a.md#no)`\n";
        let broken = broken_anchors(md, &ids);
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!(broken[0].line, 3);
        assert!(
            broken[0].message.contains("`nope`"),
            "{}",
            broken[0].message
        );
    }
}
