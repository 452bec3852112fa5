//! `veille serve`: the HTTP service (the library's `serve` module does the work).

use super::{FieldArgs, Global, UsageError};
use crate::serve::{self, Limits, ServeConfig};
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event.
    Json,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Endpoints: POST /v1/classify, POST /v1/assign, POST /v1/models/{name}/classify,\n\
    GET /v1/models, GET /healthz, GET /readyz, GET /metrics, GET /openapi.json, POST /v1/reload.\n\
    SIGHUP reloads the model files; SIGTERM or Ctrl-C finish the requests in flight and stop.\n\
    Log level: VEILLE_LOG (for example `warn`, `info`, `veille=debug`); default info.\n\n\
    Example:\n  veille serve --model models/themes.veille --addr 127.0.0.1:8080\n  \
    curl -s localhost:8080/v1/classify -H 'content-type: application/json' -d '{\"text\": \"...\"}'"
)]
pub struct ServeArgs {
    /// A model to serve, as PATH (named after the file) or NAME=PATH; repeat for several.
    /// `/v1/classify` uses the first classifier, `/v1/assign` the first clustering.
    #[arg(long = "model", value_name = "[NAME=]PATH", required = true)]
    models: Vec<String>,
    /// Address and port to listen on (port 0: any free port, logged at start).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    addr: SocketAddr,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = serve::DEFAULT_MAX_BODY_BYTES, value_name = "N")]
    max_body_bytes: usize,
    /// Largest article text, in bytes.
    #[arg(long, default_value_t = serve::DEFAULT_MAX_ARTICLE_BYTES, value_name = "N")]
    max_article_bytes: usize,
    /// Most articles in one request.
    #[arg(long, default_value_t = serve::DEFAULT_MAX_ARTICLES, value_name = "N")]
    max_articles: usize,
    /// Most classify requests served at once (more get 429).
    #[arg(long, default_value_t = serve::DEFAULT_MAX_CONCURRENT, value_name = "N")]
    max_concurrent: usize,
    /// Seconds from a request's start to its answer.
    #[arg(long, default_value_t = serve::DEFAULT_REQUEST_TIMEOUT_SECS, value_name = "SECONDS")]
    request_timeout: f64,
    /// Seconds to wait for requests in flight at shutdown.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    shutdown_timeout: f64,
    /// Threads moving bytes on the network (classification runs on --threads).
    #[arg(long, default_value_t = 1, value_name = "N")]
    io_threads: usize,
    /// Log format (on stderr).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(flatten)]
    fields: FieldArgs,
}

fn seconds(flag: &str, s: f64) -> anyhow::Result<Duration> {
    if !(s.is_finite() && s > 0.0 && s <= 86_400.0) {
        return Err(UsageError(format!(
            "{flag} must be between 0 and 86400 seconds, got {s}"
        ))
        .into());
    }
    Ok(Duration::from_secs_f64(s))
}

pub fn run(args: ServeArgs, g: &Global) -> anyhow::Result<()> {
    let models = args
        .models
        .iter()
        .map(|s| super::model_spec(s))
        .collect::<Result<Vec<_>, _>>()?;
    for (flag, n) in [
        ("--max-body-bytes", args.max_body_bytes),
        ("--max-article-bytes", args.max_article_bytes),
        ("--max-articles", args.max_articles),
        ("--max-concurrent", args.max_concurrent),
        ("--io-threads", args.io_threads),
    ] {
        if n == 0 {
            return Err(UsageError(format!("{flag} must be at least 1")).into());
        }
    }
    if args.io_threads > super::max_threads() {
        return Err(UsageError(format!(
            "--io-threads must be at most {}",
            super::max_threads()
        ))
        .into());
    }
    let config = ServeConfig {
        models,
        addr: args.addr,
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            max_article_bytes: args.max_article_bytes,
            max_articles: args.max_articles,
            max_concurrent: args.max_concurrent,
            request_timeout: seconds("--request-timeout", args.request_timeout)?,
        },
        fields: args.fields.fields(),
        io_threads: args.io_threads,
        shutdown_timeout: seconds("--shutdown-timeout", args.shutdown_timeout)?,
    };
    init_logs(args.log_format, g.quiet);
    serve::run(config)?;
    Ok(())
}

/// Logs on stderr: `VEILLE_LOG` sets the level (default info; warn with --quiet).
fn init_logs(format: LogFormat, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if quiet { "warn" } else { "info" };
    let filter = EnvFilter::try_from_env("VEILLE_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
