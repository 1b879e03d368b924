//! `letterbox pull`: the approved entries of the site's moderated forms
//! (`[forms.<name>] publish = [...]`), fetched from the form API's public
//! `GET /api/forms/<name>/published` and written to `data/<name>.json`, so
//! that templates render them with `load_data` and the build itself stays
//! offline and reproducible.
//!
//! The file is `{"form": "<name>", "entries": [...]}`, entries newest first
//! exactly as the API serves them (`id`, `received_at`, `page`, `fields`).
//! It is only rewritten when its content changes, so a pull that finds
//! nothing new leaves the file (and anything watching it) alone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use letterbox_forms::store::{MAX_PAGE, is_valid_id};
use serde_json::{Value, json};

use crate::config::Config;

/// Refuse answers larger than this: a misconfigured URL could point at
/// anything.
const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
/// A bound on the pages of one form, against an API that loops.
const MAX_PAGES: usize = 10_000;

/// What to pull, and from where.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// The site folder (holding site.toml).
    pub root: PathBuf,
    /// The API's origin; `api_url` of site.toml when `None`.
    pub api_url: Option<String>,
    /// Only these forms (all moderated forms when empty).
    pub forms: Vec<String>,
    /// Per request.
    pub timeout: Duration,
}

impl PullOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            api_url: None,
            forms: Vec::new(),
            timeout: Duration::from_secs(20),
        }
    }
}

/// One form's data file after a pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    pub form: String,
    /// Relative to the site folder: `data/<form>.json`.
    pub file: PathBuf,
    pub entries: usize,
    /// Whether the file was written (its content changed).
    pub changed: bool,
}

/// Fetches every moderated form's approved entries and writes their data
/// files. Nothing is written unless every form was fetched.
pub fn pull(options: &PullOptions) -> anyhow::Result<Vec<Pulled>> {
    let config = Config::load(&options.root)?;
    let api_url = api_url(
        options.api_url.as_deref(),
        &config.api_url,
        &config.base_url,
    )?;
    let forms = forms_to_pull(&config, &options.forms)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("letterbox-pull/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let get = |url: &str| get_text(&agent, url);
    let fetched: Vec<(String, Vec<Value>)> = (forms.into_iter())
        .map(|form| {
            let entries = fetch_entries(&api_url, &form, get)?;
            Ok((form, entries))
        })
        .collect::<anyhow::Result<_>>()?;
    fetched
        .into_iter()
        .map(|(form, entries)| write_data_file(&options.root, &form, entries))
        .collect()
}

/// The API's origin without a trailing slash: the flag, else site.toml's
/// `api_url`, else (an empty `api_url`: the API answers on the site's own
/// origin) the origin of `base_url`.
fn api_url(flag: Option<&str>, configured: &str, base_url: &str) -> anyhow::Result<String> {
    let url = flag.unwrap_or(configured).trim().trim_end_matches('/');
    if url.is_empty() {
        return origin_of(base_url).ok_or_else(|| {
            anyhow!(
                "no API to pull from: `api_url` is empty and `base_url` `{base_url}` is no \
                 http(s) URL; pass the API's origin with --api-url https://…"
            )
        });
    }
    crate::config::check_api_url(url).map_err(|why| anyhow!("--api-url: {why}"))?;
    Ok(url.to_owned())
}

/// `https://example.org` of `https://example.org/notes/`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (matches!(scheme, "http" | "https") && !host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// The moderated forms named in `wanted` (all of them when empty).
fn forms_to_pull(config: &Config, wanted: &[String]) -> anyhow::Result<Vec<String>> {
    let moderated: Vec<&String> = (config.forms.iter())
        .filter(|(_, form)| !form.publish.is_empty())
        .map(|(name, _)| name)
        .collect();
    if wanted.is_empty() {
        if moderated.is_empty() {
            bail!(
                "no form of site.toml publishes entries: give one `publish = [\"name\", \"message\"]` \
                 under `[forms.<name>]` to moderate it and pull its approved entries"
            );
        }
        return Ok(moderated.into_iter().cloned().collect());
    }
    for name in wanted {
        if !moderated.contains(&name) {
            bail!(
                "form `{name}` has no `publish` fields in site.toml, so the API publishes nothing \
                 of it (moderated forms: {})",
                list(&moderated)
            );
        }
    }
    Ok(wanted.to_vec())
}

fn list(names: &[&String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// Every approved entry of `form`, newest first, following the API's
/// cursors. `get` answers a URL with its body, or an error naming it.
fn fetch_entries(
    api_url: &str,
    form: &str,
    mut get: impl FnMut(&str) -> anyhow::Result<String>,
) -> anyhow::Result<Vec<Value>> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url = format!("{api_url}/api/forms/{form}/published?limit={MAX_PAGE}");
        if let Some(cursor) = &cursor {
            url.push_str("&cursor=");
            url.push_str(cursor);
        }
        let body = get(&url)?;
        let page: Value =
            serde_json::from_str(&body).with_context(|| format!("{url} did not answer JSON"))?;
        let Some(items) = page.get("entries").and_then(Value::as_array) else {
            bail!("{url} answered JSON without an `entries` list");
        };
        if let Some(bad) = items.iter().position(|e| !is_entry(e)) {
            bail!("{url}: entry {bad} is not an object with an `id` and `fields`");
        }
        entries.extend(items.iter().cloned());
        match page.get("next_cursor") {
            None | Some(Value::Null) => return Ok(entries),
            // Cursors are submission ids: nothing in them needs escaping.
            Some(Value::String(next))
                if cursor.as_deref() != Some(next.as_str()) && is_valid_id(next) =>
            {
                cursor = Some(next.clone());
            }
            Some(_) => bail!("{url} answered a `next_cursor` that goes nowhere"),
        }
    }
    bail!("form `{form}`: more than {MAX_PAGES} pages of entries; stopped")
}

fn is_entry(entry: &Value) -> bool {
    entry.get("id").is_some_and(Value::is_string)
        && entry.get("fields").is_some_and(Value::is_object)
}

/// GET `url`; the body of a 200, else an error with the status and the
/// API's message.
fn get_text(agent: &ureq::Agent, url: &str) -> anyhow::Result<String> {
    let mut response = agent
        .get(url)
        .header("Accept", "application/json")
        .call()
        .with_context(|| format!("requesting {url}"))?;
    let status = response.status();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY_BYTES)
        .read_to_string()
        .with_context(|| format!("reading the answer of {url}"))?;
    if status != http::StatusCode::OK {
        let message = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| body.chars().take(200).collect());
        bail!("{url} answered {status}: {message}");
    }
    Ok(body)
}

/// Writes `data/<form>.json` when its content differs from what is there.
fn write_data_file(root: &Path, form: &str, entries: Vec<Value>) -> anyhow::Result<Pulled> {
    let file = Path::new("data").join(format!("{form}.json"));
    let path = root.join(&file);
    let count = entries.len();
    let mut text = serde_json::to_string_pretty(&json!({ "form": form, "entries": entries }))
        .context("serializing entries")?;
    text.push('\n');
    let changed = std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str());
    if changed {
        let dir = root.join("data");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // Write beside, then rename: a build running meanwhile reads the old
        // file or the new one, never half of one.
        let partial = dir.join(format!(".{form}.json.partial"));
        std::fs::write(&partial, &text)
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &path)
            .with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
    }
    Ok(Pulled {
        form: form.to_owned(),
        file,
        entries: count,
        changed,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry(id: &str) -> Value {
        json!({ "id": id, "received_at": "2026-11-30T10:00:00Z", "page": "/blog/a/", "fields": { "name": "Ada" } })
    }

    #[test]
    fn follows_cursors_until_there_is_none() {
        let cursor = letterbox_forms::store::new_id(1_795_860_000_000);
        let mut asked = Vec::new();
        let entries = fetch_entries("https://api.example.org", "comments", |url: &str| {
            asked.push(url.to_owned());
            Ok(if url.contains("cursor=") {
                json!({ "entries": [entry("b")], "next_cursor": null }).to_string()
            } else {
                json!({ "entries": [entry("a")], "next_cursor": cursor }).to_string()
            })
        })
        .unwrap();
        assert_eq!(entries, vec![entry("a"), entry("b")]);
        assert_eq!(
            asked,
            [
                "https://api.example.org/api/forms/comments/published?limit=500".to_owned(),
                format!(
                    "https://api.example.org/api/forms/comments/published?limit=500&cursor={cursor}"
                ),
            ]
        );
    }

    #[test]
    fn malformed_answers_are_errors_naming_the_url() {
        let cases = [
            ("not json", "did not answer JSON"),
            (r#"{"items": []}"#, "without an `entries` list"),
            (r#"{"entries": [1]}"#, "entry 0 is not an object"),
            (
                r#"{"entries": [], "next_cursor": 7}"#,
                "`next_cursor` that goes nowhere",
            ),
            (
                r#"{"entries": [], "next_cursor": "a&b=c"}"#,
                "`next_cursor` that goes nowhere",
            ),
        ];
        for (body, expected) in cases {
            let err = fetch_entries("http://127.0.0.1:1", "c", |_: &str| Ok(body.to_owned()))
                .unwrap_err();
            let text = format!("{err:#}");
            assert!(text.contains(expected), "{body}: {text}");
            assert!(
                text.contains("http://127.0.0.1:1/api/forms/c/published"),
                "{text}"
            );
        }
        // The same cursor again would loop forever.
        let same = letterbox_forms::store::new_id(1_795_860_000_000);
        let mut pages = 0;
        let err = fetch_entries("http://x.test", "c", |_: &str| {
            pages += 1;
            Ok(json!({ "entries": [], "next_cursor": same }).to_string())
        })
        .unwrap_err();
        assert_eq!(pages, 2, "the second answer repeats the first one's cursor");
        assert!(format!("{err:#}").contains("goes nowhere"), "{err:#}");
    }

    #[test]
    fn the_api_url_comes_from_the_flag_or_site_toml() {
        let base = "https://example.org/notes/";
        assert_eq!(
            api_url(None, "https://api.example.org/", base).unwrap(),
            "https://api.example.org"
        );
        assert_eq!(
            api_url(
                Some("http://127.0.0.1:8080"),
                "https://api.example.org",
                base
            )
            .unwrap(),
            "http://127.0.0.1:8080"
        );
        // Same origin: the site's own.
        assert_eq!(api_url(None, "", base).unwrap(), "https://example.org");
        assert_eq!(
            api_url(None, "", "http://127.0.0.1:1111").unwrap(),
            "http://127.0.0.1:1111"
        );
        let err = api_url(None, "", "/relative/").unwrap_err().to_string();
        assert!(err.contains("--api-url"), "{err}");
        let err = api_url(Some("api.example.org"), "", base)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--api-url"), "{err}");
    }

    #[test]
    fn only_moderated_forms_are_pulled() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("site.toml"),
            "title = \"t\"\n[forms.comments]\npublish = [\"name\", \"message\"]\n[forms.contact]\nredirect = \"/thanks/\"\n",
        )
        .unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(forms_to_pull(&config, &[]).unwrap(), ["comments"]);
        let err = forms_to_pull(&config, &["contact".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`contact` has no `publish` fields") && err.contains("`comments`"),
            "{err}"
        );
    }

    #[test]
    fn the_data_file_is_rewritten_only_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_data_file(dir.path(), "comments", vec![entry("a")]).unwrap();
        assert!(first.changed);
        assert_eq!(first.file, Path::new("data/comments.json"));
        let again = write_data_file(dir.path(), "comments", vec![entry("a")]).unwrap();
        assert!(!again.changed);
        let more = write_data_file(dir.path(), "comments", vec![entry("b"), entry("a")]).unwrap();
        assert!(more.changed && more.entries == 2);
        let text = std::fs::read_to_string(dir.path().join("data/comments.json")).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["form"], "comments");
        assert_eq!(value["entries"][0]["id"], "b");
        assert!(!dir.path().join("data/.comments.json.partial").exists());
    }
}
