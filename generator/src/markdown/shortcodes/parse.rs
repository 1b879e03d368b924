//! The call syntax: `{{ name(args) }}`, `{% name(args) %}…{% end %}`,
//! escapes, arguments.

use serde_json::{Map, Value as Json};

/// One parsed `{{ name(…) }}`, `{% name(…) %}` or `{% end %}`.
#[derive(Debug)]
pub(super) struct Call {
    pub(super) name: String,
    pub(super) args: Map<String, Json>,
    /// `{% … %}`: opens a body.
    pub(super) body: bool,
    /// `{% end %}`.
    pub(super) end: bool,
    /// Byte offset just after the call.
    pub(super) after: usize,
}

/// An escaped call at `pos`: `{{/* … */}}` or `{%/* … */%}` gives the
/// text `{{ … }}` or `{% … %}` and the offset after the escape.
pub(super) fn escaped(text: &str, pos: usize) -> Option<(String, usize)> {
    let rest = &text[pos..];
    let (open, close) = if rest.starts_with("{{/*") {
        ("{{", "*/}}")
    } else if rest.starts_with("{%/*") {
        ("{%", "*/%}")
    } else {
        return None;
    };
    let end = rest.find(close)?;
    let inner = &rest[4..end];
    let shut = if open == "{{" { "}}" } else { "%}" };
    Some((format!("{open}{inner}{shut}"), pos + end + close.len()))
}

/// The `{% end %}` closing a body that starts at `from`: (start of the
/// `{% end %}`, offset after it). Nested body shortcodes are skipped.
pub(super) fn find_end(
    text: &str,
    from: usize,
    in_code: &dyn Fn(usize) -> Option<usize>,
) -> Option<(usize, usize)> {
    let mut depth = 1;
    let mut i = from;
    while let Some(found) = text[i..].find("{%") {
        let pos = i + found;
        if let Some(end) = in_code(pos) {
            i = end.max(pos + 1);
            continue;
        }
        match parse_call(text, pos) {
            Ok(Some(call)) if call.end => {
                depth -= 1;
                if depth == 0 {
                    return Some((pos, call.after));
                }
                i = call.after;
            }
            Ok(Some(call)) if call.body => {
                depth += 1;
                i = call.after;
            }
            _ => i = pos + 2,
        }
    }
    None
}

/// Parses the call starting at `pos` (at a `{`). `Ok(None)`: not a
/// shortcode (no `{{`/`{%` followed by `name(`), left as text.
pub(super) fn parse_call(text: &str, pos: usize) -> Result<Option<Call>, String> {
    let rest = &text[pos..];
    let body = if rest.starts_with("{{") {
        false
    } else if rest.starts_with("{%") {
        true
    } else {
        return Ok(None);
    };
    let close = if body { "%}" } else { "}}" };
    let mut p = Cursor { text, pos: pos + 2 };
    p.skip_ws();
    let Some(name) = p.ident() else {
        return Ok(None);
    };
    p.skip_ws();
    if body && name == "end" && p.eat(close) {
        return Ok(Some(Call {
            name,
            args: Map::new(),
            body: false,
            end: true,
            after: p.pos,
        }));
    }
    if !p.eat("(") {
        return Ok(None);
    }
    let mut args = Map::new();
    loop {
        p.skip_ws();
        if p.eat(")") {
            break;
        }
        let Some(key) = p.ident() else {
            return Err(format!(
                "shortcode `{name}`: expected an argument name or `)`, found {}",
                p.found()
            ));
        };
        p.skip_ws();
        if !p.eat("=") {
            return Err(format!(
                "shortcode `{name}`: expected `=` after argument `{key}`, found {}",
                p.found()
            ));
        }
        p.skip_ws();
        let value = p
            .value()
            .map_err(|e| format!("shortcode `{name}`, argument `{key}`: {e}"))?;
        if args.insert(key.clone(), value).is_some() {
            return Err(format!("shortcode `{name}`: argument `{key}` given twice"));
        }
        p.skip_ws();
        if p.eat(")") {
            break;
        }
        if !p.eat(",") {
            return Err(format!(
                "shortcode `{name}`: expected `,` or `)` after argument `{key}`, found {}",
                p.found()
            ));
        }
    }
    p.skip_ws();
    if !p.eat(close) {
        return Err(format!(
            "shortcode `{name}`: expected `{close}` after the arguments, found {}",
            p.found()
        ));
    }
    Ok(Some(Call {
        name,
        args,
        body,
        end: false,
        after: p.pos,
    }))
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the file".into(),
            Some(c) => format!("`{c}`"),
        }
    }

    fn ident(&mut self) -> Option<String> {
        let rest = self.rest();
        let first = rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = rest[..len].to_owned();
        self.pos += len;
        Some(word)
    }

    fn value(&mut self) -> Result<Json, String> {
        match self.peek() {
            Some(q @ ('"' | '\'')) => self.string(q).map(Json::String),
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.eat("]") {
                        break;
                    }
                    items.push(self.value()?);
                    self.skip_ws();
                    if self.eat("]") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(format!(
                            "expected `,` or `]` in the array, found {}",
                            self.found()
                        ));
                    }
                }
                Ok(Json::Array(items))
            }
            Some(c) if c == '-' || c == '+' || c.is_ascii_digit() => self.number(),
            Some(_) => {
                if let Some(word) = self.ident() {
                    match word.as_str() {
                        "true" => return Ok(Json::Bool(true)),
                        "false" => return Ok(Json::Bool(false)),
                        _ => {
                            return Err(format!(
                                "`{word}` is not a value (strings need quotes; values are strings, numbers, true, false and arrays)"
                            ));
                        }
                    }
                }
                Err(format!("expected a value, found {}", self.found()))
            }
            None => Err("expected a value, found the end of the file".into()),
        }
    }

    fn string(&mut self, quote: char) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c == quote => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, c)) => out.push(c),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(format!("string starting with {quote} is never closed"))
    }

    fn number(&mut self) -> Result<Json, String> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_digit()
                    || c == '.'
                    || c == 'e'
                    || c == 'E'
                    || ((c == '-' || c == '+') && (i == 0 || rest[..i].ends_with(['e', 'E']))))
            })
            .map_or(rest.len(), |(i, _)| i);
        let text = rest[..len].to_owned();
        let text = text.as_str();
        let value = if let Ok(n) = text.parse::<i64>() {
            Json::from(n)
        } else if let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            Json::Number(n)
        } else {
            return Err(format!("`{text}` is not a number"));
        };
        self.pos += len;
        Ok(value)
    }
}
