//! The routes, their handlers, and the layer that logs and counts every request.

use super::body::{self, BodyLimits, Shape};
use super::problem::{ApiError, ErrorCode};
use super::registry::{Loaded, Registry, Slot};
use super::{Limits, Metrics};
use crate::corpus::{Document, Fields};
use crate::model::{Classification, ClassifyOptions, Record, Scorer};
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Instant, UNIX_EPOCH};
use tokio::sync::Semaphore;

/// The OpenAPI 3.1 document of the service, as checked in (`docs/openapi.json`).
pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

/// Every route, as the OpenAPI document lists it (method, path template).
pub const ROUTES: [(&str, &str); 11] = [
    ("post", "/v1/classify"),
    ("post", "/v1/assign"),
    ("post", "/v1/models/{name}/classify"),
    ("get", "/v1/models"),
    ("get", "/v1/models/{name}"),
    ("post", "/v1/reload"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/"),
];

/// What the handlers share.
pub struct AppState {
    /// The models.
    pub registry: Registry,
    /// Limits on requests.
    pub limits: Limits,
    /// Field names of article records.
    pub fields: Fields,
    /// Counters and histograms.
    pub metrics: Metrics,
    /// False once shutdown has begun (`/readyz` answers 503).
    pub ready: AtomicBool,
    permits: Arc<Semaphore>,
}

impl AppState {
    /// State over loaded models.
    pub fn new(registry: Registry, limits: Limits, fields: Fields) -> Self {
        AppState {
            registry,
            permits: Arc::new(Semaphore::new(limits.max_concurrent)),
            limits,
            fields,
            metrics: Metrics::default(),
            ready: AtomicBool::new(true),
        }
    }

    /// Reload every model from its file, logging each outcome; a model whose new file fails
    /// keeps serving its old version. Returns how many reloaded.
    pub fn reload_all(&self) -> usize {
        let mut ok = 0;
        for slot in self.registry.slots() {
            let result = match self.registry.reload(slot) {
                Ok(loaded) => {
                    ok += 1;
                    tracing::info!(model = %slot.name, path = %slot.path.display(), sha256 = %loaded.sha256, "model reloaded");
                    "ok"
                }
                Err(e) => {
                    tracing::error!(model = %slot.name, "reload failed, old model kept: {e}");
                    "failed"
                }
            };
            self.metrics
                .reloads
                .get_or_create(&super::metrics::ReloadLabels {
                    model: slot.name.clone(),
                    result: result.into(),
                })
                .inc();
        }
        ok
    }
}

type Shared = Arc<AppState>;

/// The service's router over `state`.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/classify", post(classify_default))
        .route("/v1/assign", post(assign_default))
        .route("/v1/models/{name}/classify", post(classify_named))
        .route("/v1/models", get(models))
        .route("/v1/models/{name}", get(model_info))
        .route("/v1/reload", post(reload))
        .route(
            "/healthz",
            get(|| async { json_response(&json!({"status": "ok"})) }),
        )
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/", get(index))
        .fallback(|uri: Uri| async move {
            ApiError::not_found("not_found", format!("no route {}", uri.path()))
        })
        .method_not_allowed_fallback(|uri: Uri| async move {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{} does not take this method", uri.path()),
            )
        })
        .layer(middleware::from_fn_with_state(Arc::clone(&state), observe))
        .with_state(state)
}

/// What a handler tells the observing layer about its request.
#[derive(Debug, Clone, Default)]
struct RequestInfo {
    model: String,
    articles: usize,
    bytes: usize,
}

/// Logs one line per request and counts it, whatever the outcome.
async fn observe(
    State(state): State<Shared>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let endpoint = matched.map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let m = &state.metrics;
    m.in_flight.inc();
    // Decremented even when the client goes away and the request is dropped.
    let _in_flight = Guard(|| {
        m.in_flight.dec();
    });
    let response = next.run(req).await;
    let info = response
        .extensions()
        .get::<RequestInfo>()
        .cloned()
        .unwrap_or_default();
    let status = response.status().as_u16();
    let elapsed = start.elapsed();
    let route = super::metrics::RouteLabels {
        endpoint: endpoint.clone(),
        model: info.model.clone(),
    };
    m.requests
        .get_or_create(&super::metrics::StatusLabels {
            endpoint: endpoint.clone(),
            model: info.model.clone(),
            status,
        })
        .inc();
    m.latency
        .get_or_create(&route)
        .observe(elapsed.as_secs_f64());
    if info.articles > 0 {
        m.articles
            .get_or_create(&route)
            .inc_by(info.articles as u64);
    }
    if info.bytes > 0 {
        m.bytes.get_or_create(&route).inc_by(info.bytes as u64);
    }
    let code = response.extensions().get::<ErrorCode>().map(|c| c.0);
    if let Some(code) = code {
        m.errors
            .get_or_create(&super::metrics::ErrorLabels {
                endpoint,
                code: code.into(),
            })
            .inc();
    }
    let latency_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3;
    match code {
        None => {
            tracing::info!(%method, %path, status, latency_ms, model = %info.model, articles = info.articles, bytes = info.bytes, "request")
        }
        Some(error) => {
            tracing::info!(%method, %path, status, latency_ms, model = %info.model, error, "request")
        }
    }
    response
}

/// Runs its closure when dropped.
struct Guard<F: FnMut()>(F);

impl<F: FnMut()> Drop for Guard<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// Options of a classify request, in its query string (the command line's flags).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    // u32: the document's bound (more than any model has labels).
    top: Option<u32>,
    threshold: Option<f64>,
    terms: Option<usize>,
    passages: Option<usize>,
    no_passages: Option<bool>,
}

impl Params {
    fn options(self) -> Result<ClassifyOptions, ApiError> {
        let d = ClassifyOptions::default();
        if let Some(t) = self.threshold {
            if !(0.0..=1.0).contains(&t) {
                return Err(ApiError::bad_request(
                    "bad_parameter",
                    format!("threshold must be between 0 and 1, got {t}"),
                ));
            }
        }
        if self.top == Some(0) {
            return Err(ApiError::bad_request(
                "bad_parameter",
                "top must be at least 1",
            ));
        }
        // Explanations cost time per label: bounded like everything a client sends.
        const MAX_EXPLAIN: usize = 100;
        let terms = self.terms.unwrap_or(d.n_terms);
        let passages = self.passages.unwrap_or(d.n_passages);
        if terms > MAX_EXPLAIN || passages > MAX_EXPLAIN {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("terms and passages are at most {MAX_EXPLAIN}"),
            ));
        }
        Ok(ClassifyOptions {
            top: self.top.map(|k| k as usize),
            threshold: self.threshold,
            n_terms: terms,
            passages: !self.no_passages.unwrap_or(false),
            n_passages: passages,
        })
    }
}

async fn classify_default(State(state): State<Shared>, req: Request) -> Response {
    by_kind(state, crate::model::KIND, req).await
}

async fn assign_default(State(state): State<Shared>, req: Request) -> Response {
    by_kind(state, crate::model::clusters::KIND, req).await
}

async fn by_kind(state: Shared, kind: &str, req: Request) -> Response {
    let i = state.registry.slots().iter().position(|s| s.kind == kind);
    match i {
        Some(i) => classify(state, i, req).await,
        None => ApiError::not_found(
            "unknown_model",
            format!("no {kind} is served: name a model (/v1/models/{{name}}/classify)"),
        )
        .into_response(),
    }
}

async fn classify_named(
    State(state): State<Shared>,
    Path(name): Path<String>,
    req: Request,
) -> Response {
    match state.registry.slots().iter().position(|s| s.name == name) {
        Some(i) => classify(state, i, req).await,
        None => unknown_model(&name).into_response(),
    }
}

fn unknown_model(name: &str) -> ApiError {
    ApiError::not_found(
        "unknown_model",
        format!("no model named \"{name}\" (GET /v1/models lists them)"),
    )
}

/// Classify the articles of a request with model `i`: read the body within the limits, then
/// parse, classify and serialise off the async workers, on the rayon pool.
async fn classify(state: Shared, i: usize, req: Request) -> Response {
    let slot: &Slot = &state.registry.slots()[i];
    let mut info = RequestInfo {
        model: slot.name.clone(),
        ..Default::default()
    };
    let result = classify_inner(&state, slot, req, &mut info).await;
    let mut response = match result {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    response.extensions_mut().insert(info);
    response
}

async fn classify_inner(
    state: &Shared,
    slot: &Slot,
    req: Request,
    info: &mut RequestInfo,
) -> Result<Response, ApiError> {
    let deadline = tokio::time::Instant::now() + state.limits.request_timeout;
    let permit = Arc::clone(&state.permits)
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "{} requests are being served (--max-concurrent): retry shortly",
                    state.limits.max_concurrent
                ),
            )
        })?;
    let (parts, body) = req.into_parts();
    let opts = match parts.uri.query() {
        None => Params::default(),
        Some(_) => {
            Query::<Params>::try_from_uri(&parts.uri)
                .map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?
                .0
        }
    }
    .options()?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    let (shape, json) = body::shape_of(content_type)?;
    let bytes = read_body(&parts.headers, body, state.limits.max_body_bytes, deadline).await?;
    info.bytes = bytes.len();
    let loaded = slot.current();
    let fields = state.fields.clone();
    let limits = BodyLimits {
        max_articles: state.limits.max_articles,
        max_article_bytes: state.limits.max_article_bytes,
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        // The permit is held until the work is done, even when the client has given up, and
        // released before the answer is handed over: a client that has its answer may send
        // the next request at once and find the slot free.
        let work = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let (shape, docs) = body::articles(&bytes, shape, json, &fields, limits)?;
            Ok((shape, docs.len(), run_model(&loaded, &docs, shape, &opts)))
        }));
        let out = work.unwrap_or_else(|_| Err(ApiError::internal("classification failed")));
        drop(permit);
        let _ = tx.send(out);
    });
    let (shape, n, out) = match tokio::time::timeout_at(deadline, rx).await {
        Ok(Ok(r)) => r?,
        Ok(Err(_)) => return Err(ApiError::internal("classification failed")),
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "not done within {:?} (--request-timeout)",
                    state.limits.request_timeout
                ),
            ))
        }
    };
    info.articles = n;
    let ct = if shape == Shape::Lines {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    let mut r = (StatusCode::OK, out).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(r)
}

/// Read a body of at most `max` bytes before `deadline`.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    max: usize,
    deadline: tokio::time::Instant,
) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::too_large(
            "body_too_large",
            format!("the request body is larger than {max} bytes (--max-body-bytes)"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let collect = Limited::new(body, max).collect();
    match tokio::time::timeout_at(deadline, collect).await {
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err(ApiError::bad_request(
            "bad_body",
            format!("the request body could not be read: {e}"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            "the request body did not arrive in time (--request-timeout)",
        )),
    }
}

/// Classify `docs` and write their records in the request's shape.
fn run_model(loaded: &Loaded, docs: &[Document], shape: Shape, opts: &ClassifyOptions) -> Bytes {
    loaded.with_session(|scorer, session| {
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let results = session.classify_batch(&texts, opts);
        Bytes::from(write_records(docs, &results, scorer, shape))
    })
}

fn write_records(
    docs: &[Document],
    results: &[Classification],
    model: &dyn Scorer,
    shape: Shape,
) -> Vec<u8> {
    let records = docs
        .iter()
        .zip(results)
        .map(|(doc, result)| Record { doc, result, model });
    let mut out = Vec::with_capacity(1024 * docs.len());
    // Records serialise from strings and numbers into memory: no failure is possible.
    match shape {
        Shape::One => {
            for r in records {
                let _ = serde_json::to_writer(&mut out, &r);
            }
        }
        Shape::Array => {
            out.push(b'[');
            for (i, r) in records.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut out, &r);
            }
            out.push(b']');
        }
        Shape::Lines => {
            let _ = crate::model::write_jsonl(docs, results, model, &mut out);
        }
    }
    out
}

fn json_response(v: &Value) -> Response {
    let mut r = (StatusCode::OK, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn model_json(slot: &Slot) -> Value {
    let loaded = slot.current();
    let loaded_at = loaded
        .loaded_at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    json!({
        "name": slot.name,
        "kind": slot.kind,
        "path": slot.path.display().to_string(),
        "sha256": loaded.sha256,
        "loaded_at": loaded_at,
        "reloads": slot.reloads(),
        "description": loaded.description,
    })
}

async fn models(State(state): State<Shared>) -> Response {
    let all: Vec<Value> = state.registry.slots().iter().map(model_json).collect();
    json_response(&json!({ "models": all }))
}

async fn model_info(State(state): State<Shared>, Path(name): Path<String>) -> Response {
    match state.registry.get(&name) {
        Some(slot) => json_response(&model_json(slot)),
        None => unknown_model(&name).into_response(),
    }
}

async fn reload(State(state): State<Shared>) -> Response {
    let s = Arc::clone(&state);
    match tokio::task::spawn_blocking(move || s.reload_all()).await {
        Ok(ok) => {
            let total = state.registry.slots().len();
            let body = json!({"reloaded": ok, "failed": total - ok, "models": state.registry.slots().iter().map(model_json).collect::<Vec<_>>()});
            json_response(&body)
        }
        Err(_) => ApiError::internal("reload failed").into_response(),
    }
}

async fn readyz(State(state): State<Shared>) -> Response {
    if state.ready.load(Ordering::Relaxed) {
        json_response(&json!({"status": "ready", "models": state.registry.slots().len()}))
    } else {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down",
        )
        .into_response()
    }
}

async fn metrics(State(state): State<Shared>) -> Response {
    let mut r = (StatusCode::OK, state.metrics.encode()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

async fn openapi() -> Response {
    let mut r = (StatusCode::OK, OPENAPI).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn index(State(state): State<Shared>) -> Response {
    json_response(&json!({
        "service": "veille",
        "version": env!("CARGO_PKG_VERSION"),
        "models": state.registry.slots().iter().map(|s| json!({"name": s.name, "kind": s.kind})).collect::<Vec<_>>(),
        "openapi": "/openapi.json",
    }))
}
