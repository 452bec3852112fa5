//! `veille serve`: saved models behind an HTTP service, for newsroom pipelines and other
//! programs. The records are those of `veille classify` ([`crate::model::Record`]); the
//! OpenAPI document is [`api::OPENAPI`] (`docs/openapi.json`).
//!
//! - `POST /v1/classify` (the first classifier), `POST /v1/assign` (the first clustering),
//!   `POST /v1/models/{name}/classify` (any model): one article as a JSON object, many as a
//!   JSON array or JSON Lines, or one as plain text; the answer has the same shape.
//! - `GET /v1/models`, `GET /v1/models/{name}`: what `veille inspect --json` says of each.
//! - `GET /healthz`, `GET /readyz`, `GET /metrics` (Prometheus), `GET /openapi.json`.
//! - `SIGHUP` or `POST /v1/reload` reloads every model file (an atomic swap; a bad file keeps
//!   the old model); `SIGTERM` / Ctrl-C stop accepting, finish the requests in flight, exit.
//!
//! Parsing, classification and serialisation run on the rayon pool, never on the async
//! workers, which only move bytes.

pub mod api;
pub mod body;
pub mod metrics;
pub mod problem;
pub mod registry;

pub use api::{router, AppState, OPENAPI};
pub use metrics::Metrics;
pub use problem::ApiError;
pub use registry::{ModelSpec, Registry, RegistryError};

use crate::corpus::Fields;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Default of [`Limits::max_body_bytes`].
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 << 20;
/// Default of [`Limits::max_article_bytes`].
pub const DEFAULT_MAX_ARTICLE_BYTES: usize = 1 << 20;
/// Default of [`Limits::max_articles`].
pub const DEFAULT_MAX_ARTICLES: usize = 1000;
/// Default of [`Limits::max_concurrent`].
pub const DEFAULT_MAX_CONCURRENT: usize = 256;
/// Default of [`Limits::request_timeout`], in seconds.
pub const DEFAULT_REQUEST_TIMEOUT_SECS: f64 = 30.0;
/// Time a client has to send its request headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// What one request may ask for.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of a request body (413 `body_too_large` beyond).
    pub max_body_bytes: usize,
    /// Bytes of one article's text (413 `article_too_large`).
    pub max_article_bytes: usize,
    /// Articles in one request (413 `too_many_articles`).
    pub max_articles: usize,
    /// Classify requests served at once (429 `too_many_requests` beyond).
    pub max_concurrent: usize,
    /// Time from the request's start to its answer: a body still arriving gets 408
    /// `body_timeout`, work not done 503 `timeout`.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_article_bytes: DEFAULT_MAX_ARTICLE_BYTES,
            max_articles: DEFAULT_MAX_ARTICLES,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            request_timeout: Duration::from_secs_f64(DEFAULT_REQUEST_TIMEOUT_SECS),
        }
    }
}

/// A server to run.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The models, by name.
    pub models: Vec<ModelSpec>,
    /// Address to listen on (port 0: any free port, logged at start).
    pub addr: SocketAddr,
    /// Limits on requests.
    pub limits: Limits,
    /// Field names of article records.
    pub fields: Fields,
    /// Threads of the async runtime (network I/O only).
    pub io_threads: usize,
    /// Longest wait for requests in flight at shutdown.
    pub shutdown_timeout: Duration,
}

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The models.
    #[error(transparent)]
    Models(#[from] RegistryError),
    /// The address.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The runtime or a signal handler.
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
}

impl ServeError {
    /// Models and addresses are the user's; the runtime is not.
    pub fn class(&self) -> crate::ErrorClass {
        match self {
            ServeError::Models(RegistryError::Model(e)) => e.class(),
            ServeError::Models(RegistryError::Spec(_)) => crate::ErrorClass::Usage,
            ServeError::Bind { .. } => crate::ErrorClass::Usage,
            ServeError::Runtime(_) => crate::ErrorClass::Internal,
        }
    }
}

/// Load the models, listen, and serve until SIGTERM or Ctrl-C.
pub fn run(config: ServeConfig) -> Result<(), ServeError> {
    let registry = Registry::load(&config.models)?;
    let state = Arc::new(AppState::new(
        registry,
        config.limits,
        config.fields.clone(),
    ));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.io_threads.max(1))
        .thread_name("veille-io")
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let result = rt.block_on(serve(state, &config));
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn serve(state: Arc<AppState>, config: &ServeConfig) -> Result<(), ServeError> {
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(ServeError::Runtime)?;
    for s in state.registry.slots() {
        let l = s.current();
        tracing::info!(model = %s.name, kind = s.kind, path = %s.path.display(), sha256 = %l.sha256, "model loaded");
    }
    tracing::info!("listening on http://{addr}");
    let app = router(Arc::clone(&state));
    let mut stop = std::pin::pin!(shutdown_signal());
    spawn_reload_on_hangup(Arc::clone(&state)).map_err(ServeError::Runtime)?;
    let graceful = GracefulShutdown::new();
    let http = {
        let mut b = hyper::server::conn::http1::Builder::new();
        b.timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT);
        b
    };
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before accept: wait and go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let conn = http.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    state.ready.store(false, Ordering::Relaxed);
    drop(listener);
    tracing::info!("shutting down: finishing the requests in flight");
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all requests done, bye"),
        _ = tokio::time::sleep(config.shutdown_timeout) => {
            tracing::warn!("requests still in flight after {:?}: closing them", config.shutdown_timeout);
        }
    }
    Ok(())
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("interrupt received"),
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Reload every model on SIGHUP, off the async workers.
fn spawn_reload_on_hangup(state: Arc<AppState>) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = signal(SignalKind::hangup())?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                tracing::info!("SIGHUP received: reloading the models");
                let s = Arc::clone(&state);
                let _ = tokio::task::spawn_blocking(move || s.reload_all()).await;
            }
        });
    }
    #[cfg(not(unix))]
    let _ = state;
    Ok(())
}
