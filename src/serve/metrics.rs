//! `GET /metrics`: counters and latency histograms in the Prometheus text format. Labels are
//! route templates and model names only, so their number stays bounded whatever clients send.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// A request's route and model.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// Route template (`/v1/models/{name}/classify`), or `unmatched`.
    pub endpoint: String,
    /// Model name, empty when none.
    pub model: String,
}

/// A request's route, model and status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    /// Route template.
    pub endpoint: String,
    /// Model name, empty when none.
    pub model: String,
    /// HTTP status code.
    pub status: u16,
}

/// An error answer's route and code.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    /// Route template.
    pub endpoint: String,
    /// The stable error code (`bad_json`, `too_many_requests`, ...).
    pub code: String,
}

/// A model and the outcome of its reload.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    /// Model name.
    pub model: String,
    /// `ok` or `failed`.
    pub result: String,
}

type Hist = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// Every metric of the service.
pub struct Metrics {
    registry: Registry,
    /// Requests answered.
    pub requests: Family<StatusLabels, Counter>,
    /// Error answers.
    pub errors: Family<ErrorLabels, Counter>,
    /// Articles classified.
    pub articles: Family<RouteLabels, Counter>,
    /// Request body bytes read.
    pub bytes: Family<RouteLabels, Counter>,
    /// Time from request to response.
    pub latency: Hist,
    /// Requests being served now.
    pub in_flight: Gauge,
    /// Model reloads.
    pub reloads: Family<ReloadLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 100 µs to about 6.5 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("veille");
        let requests = Family::<StatusLabels, Counter>::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        let articles = Family::<RouteLabels, Counter>::default();
        let bytes = Family::<RouteLabels, Counter>::default();
        let latency: Hist = Family::new_with_constructor(latency_histogram);
        let in_flight = Gauge::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_errors", "HTTP error answers, by code", errors.clone());
        registry.register(
            "articles",
            "Articles classified or assigned",
            articles.clone(),
        );
        registry.register(
            "request_body_bytes",
            "Request body bytes read",
            bytes.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response",
            latency.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "Requests being served",
            in_flight.clone(),
        );
        registry.register(
            "model_reloads",
            "Model reloads, by outcome",
            reloads.clone(),
        );
        Metrics {
            registry,
            requests,
            errors,
            articles,
            bytes,
            latency,
            in_flight,
            reloads,
        }
    }
}

impl Metrics {
    /// Everything, in the Prometheus text exposition format (OpenMetrics flavour).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
