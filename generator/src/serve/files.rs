//! The output folder over HTTP, the way a CDN serves it: `/a/` is
//! `a/index.html`, `/a` (a folder) is a 301 to `/a/`, anything missing is the
//! site's `404.html` with status 404. Paths never leave the folder.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use http::{HeaderValue, Method, StatusCode};
use letterbox_forms::text::percent_decode;

use super::livereload::inject_livereload;
use super::shared::{AppState, Shared};

/// What a request path resolves to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    File(PathBuf),
    /// A folder asked for without its trailing slash.
    AddSlash,
    NotFound,
}

/// Resolves a URL path (still percent-encoded) inside `root`.
pub(crate) fn resolve(root: &Path, url_path: &str) -> Resolved {
    // Text that does not decode names no file.
    let Ok(decoded) = percent_decode(url_path) else {
        return Resolved::NotFound;
    };
    let mut rel = PathBuf::new();
    for segment in decoded.split('/') {
        if segment.is_empty() {
            continue;
        }
        if segment == "."
            || segment == ".."
            || segment.contains('\\')
            || segment.contains('\0')
            || segment.contains(':')
        {
            return Resolved::NotFound;
        }
        rel.push(segment);
    }
    // Only plain names: nothing absolute or parent can have slipped in.
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Resolved::NotFound;
    }
    let path = root.join(&rel);
    let candidate = if decoded.ends_with('/') {
        path.join("index.html")
    } else if path.is_dir() {
        return if path.join("index.html").is_file() {
            Resolved::AddSlash
        } else {
            Resolved::NotFound
        };
    } else {
        path
    };
    if !candidate.is_file() {
        return Resolved::NotFound;
    }
    // Symlinks must not lead out of the folder either.
    match (candidate.canonicalize(), root.canonicalize()) {
        (Ok(file), Ok(root)) if file.starts_with(&root) => Resolved::File(candidate),
        _ => Resolved::NotFound,
    }
}

/// The content type for a file name.
pub(crate) fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "rss" => "application/rss+xml; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

pub(crate) async fn serve_file(State((shared, _)): State<AppState>, req: Request) -> Response {
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD {
        let mut resp = respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            b"method not allowed".to_vec(),
        );
        resp.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let root = shared.output.clone();
    let found = tokio::task::spawn_blocking(move || {
        let resolved = resolve(&root, &path);
        let file = match &resolved {
            Resolved::File(file) => std::fs::read(file).ok().map(|bytes| (file.clone(), bytes)),
            _ => None,
        };
        (resolved, file, path)
    })
    .await;
    let resp = match found {
        Ok((_, Some((file, bytes)), _)) => page(&shared, StatusCode::OK, &file, bytes),
        Ok((Resolved::AddSlash, _, path)) => {
            let mut target = format!("{path}/");
            if let Some(q) = query {
                target.push('?');
                target.push_str(&q);
            }
            let mut resp = respond(
                StatusCode::MOVED_PERMANENTLY,
                "text/plain; charset=utf-8",
                Vec::new(),
            );
            if let Ok(v) = HeaderValue::from_str(&target) {
                resp.headers_mut().insert(LOCATION, v);
            }
            resp
        }
        _ => not_found(&shared).await,
    };
    if method == Method::HEAD {
        let (parts, _) = resp.into_parts();
        return Response::from_parts(parts, Body::empty());
    }
    resp
}

/// The site's `404.html` with status 404.
pub(crate) async fn not_found(shared: &Arc<Shared>) -> Response {
    let file = shared.output.join("404.html");
    let read = {
        let file = file.clone();
        tokio::task::spawn_blocking(move || std::fs::read(file)).await
    };
    match read {
        Ok(Ok(bytes)) => page(shared, StatusCode::NOT_FOUND, &file, bytes),
        _ => respond(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"404 Not Found".to_vec(),
        ),
    }
}

/// A file's answer; HTML gets the live-reload script.
fn page(_shared: &Arc<Shared>, status: StatusCode, file: &Path, bytes: Vec<u8>) -> Response {
    let ty = content_type(file);
    if ty.starts_with("text/html") {
        let html = String::from_utf8_lossy(&bytes);
        return respond(status, ty, inject_livereload(&html).into_bytes());
    }
    respond(status, ty, bytes)
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn clean_urls_and_no_traversal() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("dist");
        std::fs::create_dir_all(root.join("blog/hello")).unwrap();
        std::fs::write(root.join("index.html"), "home").unwrap();
        std::fs::write(root.join("blog/hello/index.html"), "hello").unwrap();
        std::fs::write(root.join("style.css"), "x").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
        std::fs::create_dir_all(root.join("empty")).unwrap();
        assert_eq!(resolve(&root, "/"), Resolved::File(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/blog/hello/"),
            Resolved::File(root.join("blog/hello/index.html"))
        );
        assert_eq!(resolve(&root, "/blog/hello"), Resolved::AddSlash);
        assert_eq!(resolve(&root, "/empty"), Resolved::NotFound);
        assert_eq!(
            resolve(&root, "/style.css"),
            Resolved::File(root.join("style.css"))
        );
        assert_eq!(
            resolve(&root, "/%73tyle.css"),
            Resolved::File(root.join("style.css"))
        );
        for bad in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/blog/..%2f..%2fsecret.txt",
            "/..%5csecret.txt",
            "/%00",
            "/%zz",
            "/%ff",
            "/nope.html",
            "/C:/x",
        ] {
            assert_eq!(resolve(&root, bad), Resolved::NotFound, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt"))
                .unwrap();
            assert_eq!(resolve(&root, "/link.txt"), Resolved::NotFound);
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(
            content_type(Path::new("a/index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("x.JS")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("f.svg")), "image/svg+xml");
        assert_eq!(content_type(Path::new("blob")), "application/octet-stream");
    }

    #[test]
    fn livereload_goes_before_the_last_body_end() {
        let html = inject_livereload("<html><body><p>x</p></BODY></html>");
        let script = html.find("<script>").unwrap();
        assert!(script < html.find("</BODY>").unwrap());
        assert!(html.contains(super::super::livereload::LIVERELOAD_PATH));
        assert!(inject_livereload("plain").starts_with("plain<script>"));
    }
}
