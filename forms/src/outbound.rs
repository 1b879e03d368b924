//! Requests the API sends to other services (webhooks, an e-mail API,
//! CAPTCHA and spam checks), behind one trait like [`Store`](crate::Store):
//! the Spin component sends them with `spin_sdk::http::send`, `letterbox
//! serve` with a native client, and tests record them with
//! [`RecordingOutbound`].

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// One outgoing request: always complete in memory (they are small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    pub method: http::Method,
    pub url: String,
    pub headers: Vec<OutboundHeader>,
    pub body: Vec<u8>,
    /// The whole exchange must be over within this; an adapter that cannot
    /// stop a request on time reports [`OutboundError::Timeout`] when it
    /// passes.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundHeader {
    pub name: String,
    pub value: String,
}

impl OutboundRequest {
    /// A POST of `body` with the given content type.
    pub fn post(
        url: impl Into<String>,
        content_type: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Self {
        Self {
            method: http::Method::POST,
            url: url.into(),
            headers: vec![OutboundHeader {
                name: "content-type".into(),
                value: content_type.into(),
            }],
            body,
            timeout,
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push(OutboundHeader {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// The answer to an [`OutboundRequest`], whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl OutboundResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The host is not in `allowed_outbound_hosts`, the name does not
    /// resolve, the connection was refused...
    #[error("request failed: {0}")]
    Failed(String),
}

/// Sends requests. Single-threaded like [`Store`](crate::Store).
pub trait Outbound {
    fn send<'a>(
        &'a self,
        request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + 'a>>;
}

/// Sends nothing: every request fails (for adapters and tests with no
/// outbound access).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOutbound;

impl Outbound for NoOutbound {
    fn send<'a>(
        &'a self,
        _request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + 'a>> {
        Box::pin(std::future::ready(Err(OutboundError::Failed(
            "outbound requests are disabled".into(),
        ))))
    }
}

/// Sends with a blocking native client (`letterbox serve`, which runs the
/// handler on a blocking thread).
#[cfg(feature = "native")]
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeOutbound;

#[cfg(feature = "native")]
impl Outbound for NativeOutbound {
    fn send<'a>(
        &'a self,
        request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + 'a>> {
        Box::pin(std::future::ready(send_blocking(request)))
    }
}

#[cfg(feature = "native")]
fn send_blocking(request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
    use std::io::Read as _;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(request.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut builder = http::Request::builder()
        .method(request.method.clone())
        .uri(&request.url);
    for header in &request.headers {
        builder = builder.header(&header.name, &header.value);
    }
    let http_request = builder
        .body(request.body)
        .map_err(|e| OutboundError::Failed(e.to_string()))?;
    let response = agent.run(http_request).map_err(|e| match e {
        ureq::Error::Timeout(_) => OutboundError::Timeout(request.timeout),
        other => OutboundError::Failed(other.to_string()),
    })?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    // Only the start of an answer is ever read (a verdict, an error text).
    let _ = response
        .into_body()
        .into_reader()
        .take(64 * 1024)
        .read_to_end(&mut body);
    Ok(OutboundResponse { status, body })
}

/// Records every request and answers from a script (tests): the first
/// matching rule by URL prefix wins; no rule answers 200 with an empty body.
#[derive(Debug, Default)]
pub struct RecordingOutbound {
    sent: RefCell<Vec<OutboundRequest>>,
    rules: RefCell<Vec<Rule>>,
}

#[derive(Debug, Clone)]
struct Rule {
    url_prefix: String,
    answer: Result<OutboundResponse, OutboundError>,
}

impl RecordingOutbound {
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers requests to URLs starting with `url_prefix` with `answer`.
    pub fn answer(&self, url_prefix: &str, answer: Result<OutboundResponse, OutboundError>) {
        self.rules.borrow_mut().insert(
            0,
            Rule {
                url_prefix: url_prefix.into(),
                answer,
            },
        );
    }

    /// Answers with `status` and `body`.
    pub fn answer_with(&self, url_prefix: &str, status: u16, body: &str) {
        self.answer(
            url_prefix,
            Ok(OutboundResponse {
                status,
                body: body.as_bytes().to_vec(),
            }),
        );
    }

    /// Every request sent so far, in order.
    pub fn sent(&self) -> Vec<OutboundRequest> {
        self.sent.borrow().clone()
    }

    /// Requests sent so far to URLs starting with `url_prefix`.
    pub fn sent_to(&self, url_prefix: &str) -> Vec<OutboundRequest> {
        self.sent
            .borrow()
            .iter()
            .filter(|r| r.url.starts_with(url_prefix))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.sent.borrow_mut().clear();
    }
}

impl Outbound for RecordingOutbound {
    fn send<'a>(
        &'a self,
        request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + 'a>> {
        let answer = self
            .rules
            .borrow()
            .iter()
            .find(|rule| request.url.starts_with(&rule.url_prefix))
            .map(|rule| rule.answer.clone())
            .unwrap_or(Ok(OutboundResponse {
                status: 200,
                body: Vec::new(),
            }));
        self.sent.borrow_mut().push(request);
        Box::pin(std::future::ready(answer))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_recording_fake_answers_by_prefix_and_records() {
        let fake = RecordingOutbound::new();
        fake.answer_with("https://a.test/", 500, "down");
        fake.answer_with("https://a.test/ok", 204, "");
        let send = |url: &str| {
            futures::executor::block_on(fake.send(OutboundRequest::post(
                url,
                "text/plain",
                b"x".to_vec(),
                Duration::from_secs(1),
            )))
        };
        assert_eq!(send("https://a.test/ok/1").unwrap().status, 204);
        assert_eq!(send("https://a.test/other").unwrap().status, 500);
        assert_eq!(send("https://b.test/").unwrap().status, 200);
        assert_eq!(fake.sent().len(), 3);
        assert_eq!(fake.sent_to("https://a.test/").len(), 2);
        assert_eq!(fake.sent()[0].header("Content-Type"), Some("text/plain"));
    }

    #[cfg(feature = "native")]
    #[test]
    fn the_native_client_sends_and_gives_up_on_time() {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            // First connection: answered; second: never answered.
            let (mut first, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let n = first.read(&mut buf).unwrap();
            let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
            let reply = if head.contains("x-test: 1") {
                "201 Created"
            } else {
                "400 Bad"
            };
            write!(
                first,
                "HTTP/1.1 {reply}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            )
            .unwrap();
            drop(first);
            let (_second, _) = listener.accept().unwrap();
            std::thread::sleep(Duration::from_secs(3));
        });
        let url = format!("http://127.0.0.1:{port}/hook");
        let request = |timeout| {
            OutboundRequest::post(url.clone(), "application/json", b"{}".to_vec(), timeout)
                .with_header("x-test", "1")
        };
        let answer =
            futures::executor::block_on(NativeOutbound.send(request(Duration::from_secs(2))));
        assert_eq!(
            answer,
            Ok(OutboundResponse {
                status: 201,
                body: b"ok".to_vec()
            })
        );
        let slow =
            futures::executor::block_on(NativeOutbound.send(request(Duration::from_millis(300))));
        assert_eq!(
            slow,
            Err(OutboundError::Timeout(Duration::from_millis(300)))
        );
    }
}
