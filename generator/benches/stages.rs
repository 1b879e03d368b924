//! Build stages timed one by one on a generated 1,000-page site, so that a
//! regression in one stage shows: `load` (site.toml, content, templates),
//! `markdown`, `render` (templates, form discovery; Markdown excluded),
//! `write` (files into a fresh output folder and the swap) and `build`
//! (all of them, as `letterbox build` runs them).
//!
//! `cargo bench -p letterbox --bench stages` (`LETTERBOX_BENCH_PAGES=N` for
//! another size). The site is made under `TMPDIR`: `TMPDIR=/dev/shm` takes
//! the disk out of `write` and `build`. Tags, a feed and highlighted code are
//! on, so taxonomies, feeds and highlighting are timed too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::Bencher;
use letterbox::{BuildOptions, Site};

fn main() {
    divan::main();
}

const SECTIONS: usize = 20;
const TAGS: &[&str] = &[
    "async",
    "performance",
    "memory",
    "concurrency",
    "parsing",
    "macros",
    "traits",
    "generics",
    "errors",
    "logging",
    "tracing",
    "http",
    "grpc",
    "json",
    "yaml",
    "toml",
    "sql",
    "postgres",
    "sqlite",
    "redis",
    "kafka",
    "wasm",
    "cli",
    "gui",
    "testing",
    "fuzzing",
    "security",
    "crypto",
    "tls",
    "dns",
    "linux",
    "windows",
    "macos",
    "docker",
    "kubernetes",
    "ci",
    "git",
    "editors",
    "lsp",
    "debugging",
    "profiling",
    "simd",
    "gpu",
    "audio",
    "video",
    "images",
    "fonts",
    "unicode",
    "time",
    "numbers",
];
const WORDS: &[&str] = &[
    "build", "cache", "page", "site", "render", "thread", "graph", "token", "stream", "buffer",
    "index", "query", "layout", "module", "vector", "parser", "signal", "socket", "record",
    "schema", "value", "field", "commit", "branch", "driver", "kernel", "packet", "frame",
    "shader", "sample", "widget", "option", "result", "future", "borrow", "lifetime", "trait",
    "closure", "iterator", "channel",
];

/// A small deterministic generator (64-bit LCG): the same corpus every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }
    fn sentence(&mut self, words: usize) -> String {
        let mut s = String::new();
        for i in 0..words {
            let w = self.pick(WORDS);
            if i == 0 {
                let mut c = w.chars();
                if let Some(f) = c.next() {
                    s.extend(f.to_uppercase());
                    s.push_str(c.as_str());
                }
            } else {
                s.push(' ');
                s.push_str(w);
            }
        }
        s.push('.');
        s
    }
}

/// Writes a site of `n` pages over 20 sections: TOML front matter (title,
/// date, description, 3 tags), ~1,000 words with h2/h3, lists, a table,
/// emphasis, inline code, `@/` links to other pages and a code block in one
/// page of four.
fn make_site(root: &Path, n: usize) {
    let mut rng = Rng(42);
    let content = root.join("content");
    let mut nav = String::new();
    std::fs::create_dir_all(root.join("templates")).expect("templates/");
    std::fs::create_dir_all(&content).expect("content/");
    std::fs::write(content.join("_index.md"), "+++\ntitle = \"Home\"\n+++\n").expect("home");
    for s in 0..SECTIONS {
        let dir = content.join(format!("s{s:02}"));
        std::fs::create_dir_all(&dir).expect("section folder");
        let text = format!(
            "+++\ntitle = \"Section {s}\"\ndescription = \"{}\"\n+++\n",
            rng.sentence(8)
        );
        std::fs::write(dir.join("_index.md"), text).expect("_index.md");
        let _ = writeln!(nav, "  {{ title = \"Section {s}\", url = \"/s{s:02}/\" }},");
    }
    std::fs::write(
        root.join("site.toml"),
        format!(
            "title = \"Bench\"\nbase_url = \"https://example.org\"\ngenerate_feeds = true\n\n[markdown]\nhighlight_code = true\n\n[extra]\nnav = [\n{nav}]\n"
        ),
    )
    .expect("site.toml");
    for i in 0..n {
        let mut body = String::new();
        let tags: Vec<String> = (0..3).map(|_| format!("\"{}\"", rng.pick(TAGS))).collect();
        let _ = write!(
            body,
            "+++\ntitle = \"Page {i}: {}\"\ndate = \"2024-{:02}-{:02}T{:02}:00:00Z\"\ndescription = \"{}\"\ntags = [{}]\n+++\n\n",
            rng.sentence(3).trim_end_matches('.'),
            1 + rng.next() % 12,
            1 + rng.next() % 28,
            rng.next() % 24,
            rng.sentence(10),
            tags.join(", ")
        );
        for h in 0..5 {
            let _ = writeln!(body, "## {} {h}\n", rng.sentence(3).trim_end_matches('.'));
            for _ in 0..3 {
                let other = rng.next() % n;
                let _ = writeln!(
                    body,
                    "{} *{}* and `{}`; see [page {other}](@/s{:02}/p{other:05}.md). {}\n",
                    rng.sentence(12),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    other % SECTIONS,
                    rng.sentence(15)
                );
            }
            let _ = writeln!(body, "### {}\n", rng.sentence(2).trim_end_matches('.'));
            for _ in 0..4 {
                let _ = writeln!(body, "- {}", rng.sentence(6));
            }
            body.push('\n');
        }
        body.push_str("| name | value | note |\n|---|---|---|\n");
        for _ in 0..5 {
            let _ = writeln!(
                body,
                "| {} | {} | {} |",
                rng.pick(WORDS),
                rng.next() % 1000,
                rng.sentence(3)
            );
        }
        if i % 4 == 0 {
            body.push_str("\n```rust\nfn main() {\n    let v: Vec<u32> = (0..10).collect();\n    println!(\"{:?}\", v);\n}\n```\n");
        }
        let file = content.join(format!("s{:02}/p{i:05}.md", i % SECTIONS));
        std::fs::write(file, body).expect("page");
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let n = std::env::var("LETTERBOX_BENCH_PAGES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("site");
        make_site(&root, n);
        Fixture { _dir: dir, root }
    })
}

fn options() -> BuildOptions {
    BuildOptions::new(fixture().root.clone())
}

fn site() -> Site {
    Site::load(&options()).expect("site loads")
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn load(b: Bencher) {
    let options = options();
    b.bench(|| Site::load(&options).expect("site loads"));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn markdown(b: Bencher) {
    let site = site();
    b.bench(|| site.render_markdown());
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn render(b: Bencher) {
    let site = site();
    b.with_inputs(|| site.render_markdown())
        .bench_local_values(|md| site.render(md).expect("renders"));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn write(b: Bencher) {
    let site = site();
    let output = site.render(site.render_markdown()).expect("renders");
    b.with_inputs(|| {
        let _ = std::fs::remove_dir_all(&site.output);
    })
    .bench_local_values(|()| site.write(&output).expect("writes"));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn build(b: Bencher) {
    let options = options();
    b.with_inputs(|| {
        let _ = std::fs::remove_dir_all(fixture().root.join("dist"));
    })
    .bench_local_values(|()| letterbox::build(&options).expect("builds"));
}
