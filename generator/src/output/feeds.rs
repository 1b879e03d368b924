//! Atom and RSS feeds, written directly (no template) so the XML is always
//! well formed: every text is escaped, links are absolute permalinks, dates
//! are RFC 3339 (Atom) or RFC 2822 (RSS).

use std::fmt::Write as _;

use crate::text::{Date, escape_xml, rfc2822, rfc3339};

/// One entry of a feed.
#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    pub title: &'a str,
    pub permalink: String,
    pub description: Option<&'a str>,
    /// Rendered HTML: the summary if the page has one.
    pub summary: Option<&'a str>,
    /// Rendered HTML of the whole page.
    pub content: &'a str,
    pub date: Option<&'a Date>,
    pub updated: Option<&'a Date>,
    pub tags: Vec<&'a str>,
}

impl Entry<'_> {
    /// `updated`, else `date`, in seconds since the epoch.
    fn last_change(&self) -> i64 {
        self.updated.or(self.date).map_or(0, |d| d.timestamp)
    }
}

/// A feed: the channel and its entries (newest first, already limited).
#[derive(Debug, Clone)]
pub(crate) struct Feed<'a> {
    pub title: String,
    pub description: &'a str,
    pub language: &'a str,
    pub author: &'a str,
    /// Permalink of the HTML page the feed belongs to.
    pub link: String,
    /// Permalink of the feed itself.
    pub self_link: String,
    /// Permalink of the site root, for `xml:base`.
    pub base: String,
    pub entries: Vec<Entry<'a>>,
}

impl Feed<'_> {
    /// The newest change of any entry (the Unix epoch for an empty feed,
    /// so builds stay reproducible).
    fn updated(&self) -> i64 {
        self.entries
            .iter()
            .map(Entry::last_change)
            .max()
            .unwrap_or(0)
    }
}

/// The Atom 1.0 document.
pub(crate) fn atom(feed: &Feed<'_>) -> String {
    let mut out = String::with_capacity(1024 + feed.entries.len() * 2048);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\" xml:base=\"{base}\">\n\
         \x20 <title>{title}</title>\n",
        lang = escape_xml(feed.language),
        base = escape_xml(&feed.base),
        title = escape_xml(&feed.title),
    );
    if !feed.description.is_empty() {
        let _ = writeln!(
            out,
            "  <subtitle>{}</subtitle>",
            escape_xml(feed.description)
        );
    }
    let _ = write!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{self_link}\"/>\n\
         \x20 <link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n\
         \x20 <id>{self_link}</id>\n\
         \x20 <updated>{updated}</updated>\n\
         \x20 <generator uri=\"https://github.com/letterbox\">Letterbox</generator>\n",
        self_link = escape_xml(&feed.self_link),
        link = escape_xml(&feed.link),
        updated = rfc3339(feed.updated()),
    );
    if !feed.author.is_empty() {
        let _ = writeln!(
            out,
            "  <author><name>{}</name></author>",
            escape_xml(feed.author)
        );
    }
    for e in &feed.entries {
        let _ = write!(
            out,
            "  <entry xml:lang=\"{lang}\">\n\
             \x20   <title>{title}</title>\n\
             \x20   <link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n\
             \x20   <id>{link}</id>\n\
             \x20   <updated>{updated}</updated>\n",
            lang = escape_xml(feed.language),
            title = escape_xml(e.title),
            link = escape_xml(&e.permalink),
            updated = rfc3339(e.last_change()),
        );
        if let Some(date) = e.date {
            let _ = writeln!(
                out,
                "    <published>{}</published>",
                rfc3339(date.timestamp)
            );
        }
        for tag in &e.tags {
            let _ = writeln!(out, "    <category term=\"{}\"/>", escape_xml(tag));
        }
        match (e.summary, e.description) {
            (Some(summary), _) => {
                let _ = writeln!(
                    out,
                    "    <summary type=\"html\">{}</summary>",
                    escape_xml(summary)
                );
            }
            (None, Some(description)) => {
                let _ = writeln!(out, "    <summary>{}</summary>", escape_xml(description));
            }
            (None, None) => {}
        }
        let _ = write!(
            out,
            "    <content type=\"html\">{}</content>\n  </entry>\n",
            escape_xml(e.content)
        );
    }
    out.push_str("</feed>\n");
    out
}

/// The RSS 2.0 document.
pub(crate) fn rss(feed: &Feed<'_>) -> String {
    let mut out = String::with_capacity(1024 + feed.entries.len() * 2048);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n\
         \x20 <channel>\n\
         \x20   <title>{title}</title>\n\
         \x20   <link>{link}</link>\n\
         \x20   <description>{description}</description>\n\
         \x20   <language>{lang}</language>\n\
         \x20   <generator>Letterbox</generator>\n\
         \x20   <lastBuildDate>{updated}</lastBuildDate>\n\
         \x20   <atom:link href=\"{self_link}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        title = escape_xml(&feed.title),
        link = escape_xml(&feed.link),
        description = escape_xml(feed.description),
        lang = escape_xml(feed.language),
        updated = rfc2822(feed.updated()),
        self_link = escape_xml(&feed.self_link),
    );
    for e in &feed.entries {
        let _ = write!(
            out,
            "    <item>\n\
             \x20     <title>{title}</title>\n\
             \x20     <link>{link}</link>\n\
             \x20     <guid isPermaLink=\"true\">{link}</guid>\n",
            title = escape_xml(e.title),
            link = escape_xml(&e.permalink),
        );
        if let Some(date) = e.date {
            let _ = writeln!(out, "      <pubDate>{}</pubDate>", rfc2822(date.timestamp));
        }
        for tag in &e.tags {
            let _ = writeln!(out, "      <category>{}</category>", escape_xml(tag));
        }
        let body = e.summary.unwrap_or(e.content);
        let _ = write!(
            out,
            "      <description>{}</description>\n    </item>\n",
            escape_xml(body)
        );
    }
    out.push_str("  </channel>\n</rss>\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates() {
        let d = Date::parse("2024-05-01").unwrap();
        assert_eq!(rfc3339(d.timestamp), "2024-05-01T00:00:00Z");
        assert_eq!(rfc2822(d.timestamp), "Wed, 01 May 2024 00:00:00 +0000");
    }

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape_xml("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;");
    }

    #[test]
    fn empty_feed_is_well_formed_enough() {
        let feed = Feed {
            title: "T & co".into(),
            description: "",
            language: "en",
            author: "",
            link: "https://x.org/".into(),
            self_link: "https://x.org/atom.xml".into(),
            base: "https://x.org/".into(),
            entries: Vec::new(),
        };
        let a = atom(&feed);
        assert!(a.contains("<title>T &amp; co</title>"), "{a}");
        assert!(a.contains("<updated>1970-01-01T00:00:00Z</updated>"), "{a}");
        assert!(rss(&feed).ends_with("</rss>\n"));
    }
}
