//! Live reload: the websocket pages listen on and the script that listens.

use super::shared::{AppState, Notice, Shared};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// The path of the live-reload websocket.
pub(super) const LIVERELOAD_PATH: &str = "/__letterbox/livereload";

pub(super) const LIVERELOAD_JS: &str = include_str!("livereload.js");

pub(super) async fn livereload(
    State((shared, stop)): State<AppState>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| live_socket(socket, shared, stop))
}

pub(super) async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

pub(super) async fn live_socket(
    mut socket: WebSocket,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) {
    let stop = stopped(stop);
    tokio::pin!(stop);
    let mut notices = shared.notices.subscribe();
    let current = shared.build.read().ok().and_then(|b| b.error.clone());
    if let Some(text) = current {
        let msg = Notice::Error(text).json();
        if socket.send(Message::Text(msg.into())).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            () = &mut stop => break,
            notice = notices.recv() => match notice {
                Ok(n) => {
                    if socket.send(Message::Text(n.json().into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if socket.send(Message::Text(Notice::Reload.json().into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// Injects the live-reload script before the last `</body>` of a page.
pub(crate) fn inject_livereload(html: &str) -> String {
    let script = format!("<script>{LIVERELOAD_JS}</script>\n");
    let at = html
        .to_ascii_lowercase()
        .rfind("</body>")
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + script.len());
    out.push_str(&html[..at]);
    out.push_str(&script);
    out.push_str(&html[at..]);
    out
}
