//! `load_data(path="data/team.toml")` in templates: a data file of the site
//! as a template value, by its extension — TOML, JSON, YAML, CSV
//! (`{headers, records}`, as in Zola) or, for anything else, the text.
//! `format="json"` (`toml`, `yaml`, `csv`, `plain`) overrides the
//! extension. Paths are relative to the site folder and stay inside it.
//! `required=false` makes a missing file `none` instead of an error (for
//! files another command writes, such as `letterbox pull`'s entries).
//! Each file is read and parsed once per build.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use tera::Value;

/// The data files of one build, parsed on first use.
#[derive(Debug)]
pub(crate) struct DataFiles {
    root: PathBuf,
    cache: Mutex<HashMap<(String, Format), Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Format {
    Toml,
    Json,
    Yaml,
    Csv,
    Plain,
}

impl Format {
    fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "toml" => Self::Toml,
            "json" => Self::Json,
            "yaml" | "yml" => Self::Yaml,
            "csv" => Self::Csv,
            "plain" => Self::Plain,
            other => {
                return Err(format!(
                    "load_data: unknown format `{other}` (toml, json, yaml, csv or plain)"
                ));
            }
        })
    }

    fn of(path: &str) -> Self {
        let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        extension
            .and_then(|e| Self::parse(&e).ok())
            .unwrap_or(Self::Plain)
    }
}

impl DataFiles {
    pub(crate) fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            cache: Mutex::default(),
        }
    }

    /// The value of the file at `path` (relative to the site folder), read
    /// as `format` or by its extension.
    /// A missing file is an error when `required`, else `none`.
    pub(crate) fn load(
        &self,
        path: &str,
        format: Option<&str>,
        required: bool,
    ) -> Result<Value, String> {
        let format = format.map_or_else(|| Ok(Format::of(path)), Format::parse)?;
        let key = (path.to_owned(), format);
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some(value) = cached {
            return Ok(value);
        }
        let relative = Path::new(path);
        let inside = (relative.components()).all(|c| matches!(c, Component::Normal(_)));
        if path.is_empty() || !inside {
            return Err(format!(
                "load_data: `{path}` must be a path inside the site folder, like `data/team.toml`"
            ));
        }
        let text = match std::fs::read_to_string(self.root.join(relative)) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Value::none());
            }
            Err(e) => return Err(format!("load_data: reading `{path}`: {e}")),
        };
        let value = parse(&text, format).map_err(|e| format!("load_data: `{path}`: {e}"))?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(key, value.clone());
        Ok(value)
    }
}

fn parse(text: &str, format: Format) -> Result<Value, String> {
    Ok(match format {
        Format::Toml => {
            let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
            Value::from_serializable(&table)
        }
        Format::Json => {
            let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            Value::from_serializable(&json)
        }
        Format::Yaml => {
            let yaml: serde_json::Value =
                serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
            Value::from_serializable(&yaml)
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(text.as_bytes());
            let headers: Vec<String> = (reader.headers().map_err(|e| e.to_string())?)
                .iter()
                .map(str::to_owned)
                .collect();
            let mut records = Vec::new();
            for record in reader.records() {
                let record = record.map_err(|e| e.to_string())?;
                records.push(record.iter().map(str::to_owned).collect::<Vec<_>>());
            }
            super::values::map([
                ("headers", Value::from(headers)),
                ("records", Value::from(records)),
            ])
        }
        Format::Plain => Value::from(text),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn files(list: &[(&str, &str)]) -> (tempfile::TempDir, DataFiles) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in list {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let data = DataFiles::new(dir.path());
        (dir, data)
    }

    #[test]
    fn formats_by_extension_or_argument() {
        let (_dir, data) = files(&[
            ("data/team.toml", "[[people]]\nname = \"Ada\"\n"),
            ("data/a.json", r#"{"n": [1, 2]}"#),
            ("data/b.yaml", "k: v\nlist: [x, z]\n"),
            ("data/c.csv", "name,age\nAda,36\n\"B, C\",7\n"),
            ("data/notes.txt", "hello"),
        ]);
        let team = data.load("data/team.toml", None, true).unwrap();
        assert_eq!(
            team.get_from_path("people.0.name").and_then(Value::as_str),
            Some("Ada")
        );
        let json = data.load("data/a.json", None, true).unwrap();
        assert_eq!(json.get_from_path("n.1").and_then(Value::as_i64), Some(2));
        let yaml = data.load("data/b.yaml", None, true).unwrap();
        assert_eq!(
            yaml.get_from_path("list.1").and_then(Value::as_str),
            Some("z")
        );
        let csv = data.load("data/c.csv", None, true).unwrap();
        assert_eq!(
            csv.get_from_path("records.1.0").and_then(Value::as_str),
            Some("B, C")
        );
        assert_eq!(
            csv.get_from_path("headers.1").and_then(Value::as_str),
            Some("age")
        );
        let text = data.load("data/notes.txt", None, true).unwrap();
        assert_eq!(text.as_str(), Some("hello"));
        let as_json = data.load("data/notes.txt", Some("json"), true).unwrap_err();
        assert!(as_json.contains("data/notes.txt"), "{as_json}");
    }

    #[test]
    fn paths_stay_inside_the_site_and_errors_name_the_file() {
        let (_dir, data) = files(&[("data/bad.toml", "x = \n")]);
        for path in ["../secret", "/etc/passwd", "", "data/../../x"] {
            let err = data.load(path, None, true).unwrap_err();
            assert!(err.contains("inside the site folder"), "{path}: {err}");
        }
        let err = data.load("data/missing.json", None, true).unwrap_err();
        assert!(err.contains("data/missing.json"), "{err}");
        let err = data.load("data/bad.toml", None, true).unwrap_err();
        assert!(err.contains("data/bad.toml"), "{err}");
        let err = data.load("data/bad.toml", Some("xml"), true).unwrap_err();
        assert!(err.contains("unknown format"), "{err}");
    }

    #[test]
    fn a_missing_optional_file_is_none_but_a_broken_one_still_fails() {
        let (_dir, data) = files(&[("data/bad.json", "{")]);
        let missing = data.load("data/comments.json", None, false).unwrap();
        assert!(missing.is_none(), "{missing:?}");
        let err = data.load("data/bad.json", None, false).unwrap_err();
        assert!(err.contains("data/bad.json"), "{err}");
        let err = data.load("../x.json", None, false).unwrap_err();
        assert!(err.contains("inside the site folder"), "{err}");
    }
}
