//! A loopback HTTP server standing in for the services the form API calls
//! (webhook receivers, the e-mail API, CAPTCHA `siteverify`, Akismet): it
//! records every request and answers through a closure.

// A test crate has no public API: `pub` here marks what the tests use.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A value of a form-urlencoded body.
    pub fn form_value(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(&self.body)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// How to answer.
#[derive(Debug, Clone)]
pub enum Answer {
    Status(u16, String),
    /// Answer nothing for this long (then 200), to trip a timeout.
    Hang(Duration),
}

type Script = dyn Fn(&Received) -> Answer + Send + Sync;

pub struct Receiver {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Arc<Script>>>,
}

impl Receiver {
    /// Starts on a free loopback port; answers 200 `{}` until told otherwise.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Mutex<Arc<Script>>> = Arc::new(Mutex::new(Arc::new(|_: &Received| {
            Answer::Status(200, "{}".into())
        })));
        let (rec, scr) = (received.clone(), script.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (rec, scr) = (rec.clone(), scr.clone());
                std::thread::spawn(move || serve(stream, &rec, &scr));
            }
        });
        Self {
            port,
            received,
            script,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn answer(&self, script: impl Fn(&Received) -> Answer + Send + Sync + 'static) {
        *self.script.lock().unwrap() = Arc::new(script);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn received_at(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn clear(&self) {
        self.received.lock().unwrap().clear();
    }

    /// Waits until `n` requests reached `path` (deliveries may lag the
    /// answer to the visitor by nothing, but a retry runs on a later
    /// request).
    pub fn wait_for(&self, path: &str, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received_at(path);
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A `siteverify` as the providers' test keys behave: token `pass` passes,
/// `fail` fails, `slow` hangs past any timeout, and any other token passes
/// once and is a duplicate afterwards.
pub fn siteverify() -> impl Fn(&Received) -> Answer + Send + Sync + 'static {
    let seen = Mutex::new(HashSet::new());
    move |r: &Received| {
        let token = r.form_value("response").unwrap_or_default();
        match token.as_str() {
            "pass" => Answer::Status(200, r#"{"success":true,"error-codes":[]}"#.into()),
            "fail" => Answer::Status(
                200,
                r#"{"success":false,"error-codes":["invalid-input-response"]}"#.into(),
            ),
            "slow" => Answer::Hang(Duration::from_secs(8)),
            other => {
                if seen.lock().unwrap().insert(other.to_owned()) {
                    Answer::Status(200, r#"{"success":true,"error-codes":[]}"#.into())
                } else {
                    Answer::Status(
                        200,
                        r#"{"success":false,"error-codes":["timeout-or-duplicate"]}"#.into(),
                    )
                }
            }
        }
    }
}

fn serve(stream: TcpStream, received: &Mutex<Vec<Received>>, script: &Mutex<Arc<Script>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            if reader.read_line(&mut size).unwrap_or(0) == 0 {
                break;
            }
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            if reader.read_exact(&mut chunk).is_err() || n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        body = vec![0; length];
        let _ = reader.read_exact(&mut body);
    }
    let request = Received {
        method,
        path,
        headers,
        body,
    };
    let answer = (script.lock().unwrap().clone())(&request);
    received.lock().unwrap().push(request);
    let (status, text) = match answer {
        Answer::Status(status, text) => (status, text),
        Answer::Hang(d) => {
            std::thread::sleep(d);
            (200, "{}".to_owned())
        }
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}
