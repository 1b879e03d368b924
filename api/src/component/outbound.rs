//! [`Outbound`] over Spin's outbound HTTP (`spin_sdk::http::send`); the
//! hosts it may reach are the component's `allowed_outbound_hosts`.

use std::future::Future;
use std::pin::{Pin, pin};

use bytes::Bytes;
use futures::future::{Either, select};
use http_body_util::BodyExt;
use letterbox_forms::outbound::{Outbound, OutboundError, OutboundRequest, OutboundResponse};
use spin_sdk::http::FullBody;

/// The most of an answer that is read (a verdict or an error text).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub(crate) struct SpinOutbound;

impl Outbound for SpinOutbound {
    fn send<'a>(
        &'a self,
        request: OutboundRequest,
    ) -> Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + 'a>> {
        Box::pin(async move {
            let timeout = request.timeout;
            // Whatever the host's own timeouts, the exchange ends on time:
            // the request future is dropped (and cancelled) when the timer
            // wins.
            match select(
                pin!(exchange(request)),
                pin!(spin_sdk::time::sleep(timeout)),
            )
            .await
            {
                Either::Left((answer, _)) => answer,
                Either::Right(((), _)) => Err(OutboundError::Timeout(timeout)),
            }
        })
    }
}

async fn exchange(request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
    let mut builder = http::Request::builder()
        .method(request.method)
        .uri(&request.url);
    for header in &request.headers {
        builder = builder.header(&header.name, &header.value);
    }
    // A known length: receivers need not take a chunked body.
    builder = builder.header(http::header::CONTENT_LENGTH, request.body.len());
    let outgoing = builder
        .body(FullBody::new(Bytes::from(request.body)))
        .map_err(|e| OutboundError::Failed(e.to_string()))?;
    let response = spin_sdk::http::send(outgoing)
        .await
        .map_err(|e| OutboundError::Failed(e.to_string()))?;
    let status = response.status().as_u16();
    let mut body = std::pin::pin!(response.into_body());
    let mut bytes = Vec::new();
    while bytes.len() < MAX_ANSWER_BYTES
        && let Some(frame) = body.frame().await
    {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            bytes.extend_from_slice(&data);
        }
    }
    bytes.truncate(MAX_ANSWER_BYTES);
    Ok(OutboundResponse {
        status,
        body: bytes,
    })
}
