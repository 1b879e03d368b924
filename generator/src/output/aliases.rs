//! Alias pages: a redirect from an old URL to where the page is now.

use letterbox_forms::text::escape_html;

/// The HTML of an alias page pointing at `target`.
pub(crate) fn alias_html(target: &str) -> String {
    let target = escape_html(target);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Moved</title>\n\
         <link rel=\"canonical\" href=\"{target}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n\
         </head>\n<body>\n<p>This page has moved to <a href=\"{target}\">{target}</a>.</p>\n</body>\n</html>\n"
    )
}
