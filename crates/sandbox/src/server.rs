//! The HTTP plumbing every simulator shares: serving an axum router over hyper's HTTP/1 one
//! connection at a time, a switch that lets a handler close its own connection without
//! answering, the handle that stops accepting when dropped, and the steps that turn an injected
//! fault into what the client sees.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Locks a simulator's state even if a handler panicked while holding it: a test that provoked
/// a panic should still be able to look at what the simulator saw.
pub(crate) fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Lets a handler close its own connection without answering.
#[derive(Clone)]
pub(crate) struct KillSwitch(Arc<Mutex<Option<oneshot::Sender<()>>>>);

impl KillSwitch {
    /// Closes the connection this request came on and never returns: the caller's answer is
    /// lost on the way back, as when a network drops it.
    async fn pull(&self) {
        if let Some(tx) = lock(&self.0).take() {
            let _ = tx.send(());
        }
        std::future::pending::<()>().await;
    }
}

/// A running server; dropping it stops accepting connections.
#[derive(Debug)]
pub(crate) struct SimServer {
    addr: SocketAddr,
    accept: JoinHandle<()>,
}

impl SimServer {
    /// Serves `router` on `listener` until dropped.
    pub(crate) fn serve(listener: TcpListener, router: Router) -> std::io::Result<SimServer> {
        let addr = listener.local_addr()?;
        Ok(SimServer { addr, accept: serve(listener, router) })
    }

    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Accepts connections on `listener` and serves `router` on each, with a [`KillSwitch`] in the
/// request extensions, until the returned task is aborted.
pub(crate) fn serve(listener: TcpListener, router: Router) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let (kill_tx, kill_rx) = oneshot::channel();
            let app =
                router.clone().layer(Extension(KillSwitch(Arc::new(Mutex::new(Some(kill_tx))))));
            tokio::spawn(async move {
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
                // Dropping the connection future closes the socket without an answer.
                tokio::select! {
                    _ = connection => {}
                    _ = kill_rx => {}
                }
            });
        }
    })
}

/// What an injected fault does, in the terms every simulator shares; `E` is what the
/// protocol's forced error carries.
pub(crate) enum Injected<'a, E: ?Sized> {
    /// Wait before answering.
    Latency(Duration),
    /// Process the request, then close the connection without responding.
    DropConnection,
    /// Answer HTTP 500 with an HTML page, as a proxy in front of the service would.
    ServerErrorPage,
    /// Answer with a body the protocol's parser cannot read.
    Malformed,
    /// Answer with the protocol's own error.
    Error(&'a E),
}

/// A simulator's fault type, seen through [`Injected`].
pub(crate) trait InjectedFault: Clone {
    /// What the protocol's forced error carries.
    type Error: ?Sized;

    /// What this fault does.
    fn injected(&self) -> Injected<'_, Self::Error>;
}

/// The latencies of the faults that apply, in order, and the first fault that is not a latency
/// (only one fault can decide the answer).
pub(crate) fn pick<'a, F: InjectedFault + 'a>(
    faults: impl IntoIterator<Item = &'a F>,
) -> (Vec<Duration>, Option<F>) {
    let mut latencies = Vec::new();
    let mut fault = None;
    for f in faults {
        match f.injected() {
            Injected::Latency(d) => latencies.push(d),
            _ => fault = fault.or_else(|| Some(f.clone())),
        }
    }
    (latencies, fault)
}

/// Waits `latency`, if any.
pub(crate) async fn delay(latency: Duration) {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
}

/// Answers a request under `fault`: the HTML `error_page`, the protocol's `malformed` body or
/// its forced `error` instead of the real answer, or the real answer from `answer`, which is
/// lost on the way back when the fault drops the connection.
pub(crate) async fn answer_under<F: InjectedFault>(
    fault: Option<&F>,
    kill: &KillSwitch,
    error_page: &'static str,
    malformed: impl FnOnce() -> Response,
    error: impl FnOnce(&F::Error) -> Response,
    answer: impl FnOnce() -> Response,
) -> Response {
    let injected = fault.map(InjectedFault::injected);
    match injected {
        Some(Injected::ServerErrorPage) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/html")],
                error_page,
            )
                .into_response();
        }
        Some(Injected::Malformed) => return malformed(),
        Some(Injected::Error(e)) => return error(e),
        _ => {}
    }
    let answer = answer();
    if matches!(injected, Some(Injected::DropConnection)) {
        // The request was received and processed; the answer is lost on the way back.
        kill.pull().await;
    }
    answer
}

/// A simulator's state and the URL it answers on, shared by its handle and its handlers.
#[derive(Debug)]
pub(crate) struct Shared<S> {
    state: Mutex<S>,
    /// The URL clients are given: the service endpoint, or the base URL for REST services.
    pub(crate) url: String,
}

impl<S> Shared<S> {
    /// Wraps a simulator's starting state.
    pub(crate) fn new(state: S, url: String) -> Shared<S> {
        Shared { state: Mutex::new(state), url }
    }

    /// The state, even if a handler panicked while holding it (see [`lock`]).
    pub(crate) fn lock(&self) -> MutexGuard<'_, S> {
        lock(&self.state)
    }
}
