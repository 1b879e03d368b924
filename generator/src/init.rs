//! `letterbox init [DIR]`: a new site that builds as it is — home, a blog
//! with a first post, a contact page whose form is the API's schema, its
//! thank-you page — on the built-in templates (copy them into `templates/`
//! to change them).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// What to write.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The new site's folder: created, or empty.
    pub dir: PathBuf,
    pub title: String,
    pub base_url: String,
    /// The first post's date (`YYYY-MM-DD`).
    pub date: String,
}

/// Writes the new site; returns the files written (relative to the folder).
/// A folder that exists and is not empty is refused, and nothing is written.
pub fn init(options: &InitOptions) -> anyhow::Result<Vec<String>> {
    let dir = &options.dir;
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty; choose a new folder (letterbox init my-site)",
                dir.display()
            );
        }
    }
    let files = site_files(options);
    for (rel, text) in &files {
        write(dir, rel, text)?;
    }
    Ok(files.into_iter().map(|(rel, _)| rel.to_owned()).collect())
}

fn write(dir: &Path, rel: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// TOML basic string: quotes and backslashes escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn site_files(options: &InitOptions) -> Vec<(&'static str, String)> {
    let title = toml_string(&options.title);
    let base_url = toml_string(&options.base_url);
    let date = &options.date;
    vec![
        (
            "site.toml",
            format!(
                "# See the `site.toml` reference in Letterbox's README.\n\
                 title = {title}\n\
                 base_url = {base_url}\n\
                 description = \"\"\n\
                 # Atom and RSS feeds of the newest pages.\n\
                 generate_feeds = true\n\
                 # Where forms post; empty: the same origin (`letterbox serve`, or a\n\
                 # CDN routing /api to the Spin app). Else e.g. \"https://forms.example.org\".\n\
                 api_url = \"\"\n\
                 \n\
                 [markdown]\n\
                 highlight_code = true\n"
            ),
        ),
        (
            ".gitignore",
            "/dist\n/.letterbox\n/.spin\n".to_owned(),
        ),
        (
            "content/_index.md",
            format!(
                "+++\ntitle = {title}\n+++\n\
                 Welcome! Edit `content/_index.md`, or write a post in `content/blog/`.\n"
            ),
        ),
        (
            "content/blog/_index.md",
            "+++\ntitle = \"Blog\"\nsort_by = \"date\"\npaginate_by = 10\n+++\n".to_owned(),
        ),
        (
            "content/blog/first-post.md",
            format!(
                "+++\ntitle = \"First post\"\ndate = {date}\ntags = [\"news\"]\n+++\n\
                 This is Markdown: *emphasis*, [links](@/contact.md), tables, footnotes\n\
                 and highlighted code.\n\n\
                 <!-- more -->\n\n\
                 ```rust\nfn main() {{\n    println!(\"Hello from Letterbox\");\n}}\n```\n"
            ),
        ),
        (
            "content/contact.md",
            "+++\ntitle = \"Contact\"\n+++\n\
             The form below is the API's schema: the server accepts exactly these\n\
             fields, with these rules.\n\n\
             <form data-form=\"contact\" data-redirect=\"/thanks/\">\n\
             \x20 <label>Your e-mail <input name=\"email\" type=\"email\" required maxlength=\"200\"></label>\n\
             \x20 <label>Message <textarea name=\"message\" required minlength=\"10\" maxlength=\"5000\"></textarea></label>\n\
             \x20 <button>Send</button>\n\
             </form>\n"
                .to_owned(),
        ),
        (
            "content/thanks.md",
            "+++\ntitle = \"Thank you\"\n+++\nYour message was received.\n".to_owned(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string(r#"A "b" \ c"#), r#""A \"b\" \\ c""#);
        assert_eq!(toml_string("x\ny"), "\"x\\u000Ay\"");
    }
}
