//! What form discovery needs to know about the site.

use std::collections::BTreeMap;

use crate::config::FormConfig;

/// Name of the hidden anti-spam field unless the form sets `data-honeypot`.
pub(crate) const DEFAULT_HONEYPOT: &str = "homepage";

/// What discovery needs to know about the site.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormSettings {
    /// `api_url` from `site.toml` (may be empty: same origin). Forms post to
    /// `<api_url>/api/forms/<name>`.
    pub api_url: String,
    pub overrides: BTreeMap<String, FormConfig>,
    /// URL of the form script (e.g. `/letterbox-forms.js`, with the site's
    /// base path); pages with a form get a deferred `<script>` for it. `None`
    /// adds nothing.
    pub script_url: Option<String>,
}

/// Where a page's forms come from, for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormSource<'a> {
    /// The source file, e.g. `content/contact.md`.
    pub file: &'a str,
    /// Its Markdown body and the body's first line in the file: problems
    /// are reported at the line of the form or field they concern when it
    /// is written there (a form from a template or shortcode is not).
    pub body: Option<(&'a str, usize)>,
    /// The page's URL path (e.g. `/blog/hello/`): a moderated form gets it
    /// as a hidden value, so its approved entries know their page.
    pub path: Option<&'a str>,
    /// The page's language (`fr`): the form script's own words (its
    /// status lines) are given to its forms in it, the API's field
    /// messages being in it already.
    pub lang: Option<&'a str>,
}
