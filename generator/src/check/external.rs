//! `letterbox check --external`: every external URL requested once.

use std::collections::BTreeMap;
#[cfg(feature = "check-external")]
use std::sync::Mutex;
use std::time::Duration;

use super::links::Place;
use super::report::{CheckOptions, CheckReport, Problem, ProblemKind};

#[cfg(feature = "check-external")]
/// Requests every URL (HEAD, then GET when HEAD is refused), `concurrency`
/// at once; `None` for a URL that answered with a success.
fn request_all(
    urls: Vec<String>,
    timeout: Duration,
    concurrency: usize,
) -> Vec<(String, Option<String>)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(5)
        .user_agent("letterbox-check")
        .build()
        .into();
    let queue = Mutex::new(urls.into_iter().enumerate().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..concurrency.max(1) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                    let Some((i, url)) = next else { break };
                    let outcome = request(&agent, &url);
                    if let Ok(mut r) = results.lock() {
                        r.push((i, url, outcome));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _, _)| *i);
    results.into_iter().map(|(_, u, o)| (u, o)).collect()
}

#[cfg(feature = "check-external")]
fn request(agent: &ureq::Agent, url: &str) -> Option<String> {
    let status = |r: Result<http::Response<ureq::Body>, ureq::Error>| -> Result<u16, String> {
        r.map(|resp| resp.status().as_u16())
            .map_err(|e| e.to_string())
    };
    let head = status(agent.head(url).call());
    let result = match head {
        Ok(code) if code < 400 => return None,
        // Servers that refuse or mishandle HEAD: ask with GET.
        Ok(_) | Err(_) => status(agent.get(url).call()),
    };
    match result {
        Ok(code) if code < 400 => None,
        Ok(code) => Some(format!("HTTP {code}")),
        Err(e) => Some(e),
    }
}

/// Without the `check-external` feature no URL can be requested: each one
/// is reported as not checked.
#[cfg(not(feature = "check-external"))]
fn request_all(
    urls: Vec<String>,
    _timeout: Duration,
    _concurrency: usize,
) -> Vec<(String, Option<String>)> {
    let why = "not checked: this letterbox was built without the `check-external` feature";
    urls.into_iter()
        .map(|url| (url, Some(why.to_owned())))
        .collect()
}

/// Requests every external URL once (`external`: each with where it was
/// found) and reports the ones that fail at their first place.
pub(super) fn check_external(
    external: &BTreeMap<String, Vec<Place>>,
    options: &CheckOptions,
    report: &mut CheckReport,
) {
    report.external = external.len();
    let results = request_all(
        external.keys().cloned().collect(),
        options.timeout,
        options.concurrency,
    );
    for (url, error) in results {
        let Some(error) = error else { continue };
        let places = external.get(&url).map(Vec::as_slice).unwrap_or_default();
        let Place { file, line } = places.first().cloned().unwrap_or_default();
        let more = if places.len() > 1 {
            format!(" (and {} more places)", places.len() - 1)
        } else {
            String::new()
        };
        report.problems.push(Problem {
            kind: ProblemKind::External,
            file,
            line,
            message: format!("`{url}`: {error}{more}"),
        });
    }
}
