//! The scripts every site gets: the form script and the admin inbox's.

use letterbox_forms::text::escape_html;

/// File name of the form script in the output root.
pub(crate) const FORMS_SCRIPT: &str = "letterbox-forms.js";
/// File name of the admin inbox script in the output root.
pub(crate) const ADMIN_SCRIPT: &str = "letterbox-admin.js";
/// Where the admin inbox is written in the output folder.
pub(crate) const ADMIN_OUTPUT: &str = "admin/index.html";

pub(super) const FORMS_JS_SOURCE: &str = include_str!("../assets/letterbox-forms.js");
pub(super) const ADMIN_JS_SOURCE: &str = include_str!("../assets/letterbox-admin.js");

/// The scripts every site gets in its output root, minified:
/// `(path in the output folder, content)`.
pub(crate) fn builtin_assets() -> [(&'static str, String); 2] {
    [
        (FORMS_SCRIPT, minify_js(FORMS_JS_SOURCE)),
        (ADMIN_SCRIPT, minify_js(ADMIN_JS_SOURCE)),
    ]
}

/// A deliberately conservative minifier for the built-in scripts (which are
/// written for it): drops whole-line `//` comments, blank lines and
/// indentation, keeping every line break so automatic semicolon insertion
/// and string, regex and comment contents inside lines are never touched.
pub(crate) fn minify_js(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Adds `<script src=".." defer>` before the last `</body>` (or at the end).
pub(super) fn add_script(html: &mut String, url: &str) {
    let tag = format!("<script src=\"{}\" defer></script>\n", escape_html(url));
    let at = html
        .to_ascii_lowercase()
        .rfind("</body>")
        .unwrap_or(html.len());
    html.insert_str(at, &tag);
}
