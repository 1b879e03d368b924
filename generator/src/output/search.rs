//! `search_index.json`: `[{title, url, description, text}]` for every
//! page, `text` being the page's plain text trimmed to [`TEXT_LIMIT`]
//! characters, for a small client-side search.

use serde::Serialize;

/// Most characters of a page's text kept in the index (cut at a word).
pub(crate) const TEXT_LIMIT: usize = 2000;

/// One entry of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Item<'a> {
    pub title: &'a str,
    pub url: String,
    pub description: &'a str,
    pub text: String,
}

/// One entry of the index as JSON.
pub(crate) fn entry_json(item: &Item<'_>) -> anyhow::Result<String> {
    Ok(serde_json::to_string(item)?)
}

/// The index (a JSON array) from its entries' JSON.
pub(crate) fn join_entries(entries: &[String]) -> String {
    let mut out = String::with_capacity(entries.iter().map(|e| e.len() + 1).sum::<usize>() + 2);
    out.push('[');
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(entry);
    }
    out.push(']');
    out
}

/// Plain text of rendered HTML: tags removed (with `<script>`, `<style>`
/// and `<template>` contents, and heading anchor links), common entities
/// decoded, white space collapsed, cut at the first word boundary after
/// `limit` characters.
pub(crate) fn plain_text(html: &str, limit: usize) -> String {
    let mut out = String::with_capacity(html.len().min(limit * 4));
    let mut chars = 0;
    let mut rest = html;
    let mut space = false;
    let mut push = |text: &str, out: &mut String, chars: &mut usize| -> bool {
        for c in decode(text).chars() {
            if c.is_whitespace() {
                space = !out.is_empty();
                continue;
            }
            if space {
                if *chars >= limit {
                    return false;
                }
                out.push(' ');
                *chars += 1;
                space = false;
            }
            out.push(c);
            *chars += 1;
        }
        true
    };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push(rest, &mut out, &mut chars);
            break;
        };
        if !push(&rest[..lt], &mut out, &mut chars) {
            return out;
        }
        let tag = &rest[lt..];
        let end = if tag.starts_with("<!--") {
            tag.find("-->").map_or(tag.len(), |i| i + 3)
        } else {
            tag.find('>').map_or(tag.len(), |i| i + 1)
        };
        let name: String = tag[1..end.min(tag.len())]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag[1..].starts_with('/');
        rest = &tag[end..];
        if !closing && matches!(name.as_str(), "script" | "style" | "template") {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = lower.find(&close).map_or("", |i| &rest[i..]);
        } else if !closing && name == "a" && tag[..end].contains("heading-anchor") {
            // The `#` link the Markdown stage adds to headings.
            rest = rest.find("</a>").map_or("", |i| &rest[i..]);
        }
        // Tags other than inline ones separate words.
        if !INLINE.contains(&name.as_str()) {
            push(" ", &mut out, &mut chars);
        }
    }
    out
}

/// Tags that do not separate words.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "code", "del", "em", "i", "ins", "kbd", "mark", "s", "small", "span",
    "strong", "sub", "sup", "u",
];

/// Decodes the entities Markdown output uses; others stay as written.
fn decode(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let semi = rest.find(';').filter(|&j| j <= 10);
        let decoded = semi.and_then(|j| {
            let name = &rest[1..j];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, j))
        });
        match decoded {
            Some((c, j)) => {
                out.push(c);
                rest = &rest[j + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn joined_entries_are_the_serialised_list() {
        let item = |title, text: &str| Item {
            title,
            url: format!("/{title}/"),
            description: "say \"hi\"",
            text: text.to_owned(),
        };
        for items in [
            vec![],
            vec![item("a", "x")],
            vec![item("a", "x"), item("b", "<y>\n")],
        ] {
            let entries: Vec<String> = items.iter().map(|i| entry_json(i).unwrap()).collect();
            assert_eq!(
                join_entries(&entries),
                serde_json::to_string(&items).unwrap()
            );
        }
    }

    #[test]
    fn strips_tags_scripts_and_entities() {
        let html = "<h1 id=\"a\">Fish &amp; chips <a class=\"heading-anchor\" href=\"#a\">#</a></h1>\n<p>Hot<br>and <em>fresh</em>.</p>\
                    <script>var x = '<p>no</p>';</script><!-- note --><p>&#8220;Yes&#x201D;</p>";
        assert_eq!(
            plain_text(html, 1000),
            "Fish & chips Hot and fresh. \u{201c}Yes\u{201d}"
        );
    }

    #[test]
    fn cuts_at_a_word() {
        let text = plain_text("<p>one <em>two</em> three four</p>", 5);
        assert_eq!(text, "one two");
    }
}
