//! Fetching feeds and pages over HTTP(S) for `veille ingest`: connect and read timeouts, a size
//! cap, bounded redirects, a stated User-Agent, conditional requests (ETag / Last-Modified),
//! and politeness — one request at a time per host, a delay between two requests to the same
//! host, a bound on hosts fetched at once. A failed URL is an error naming it; the caller
//! reports it and goes on.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use ureq::ResponseExt;

/// What veille says it is.
pub const USER_AGENT: &str = concat!(
    "veille/",
    env!("CARGO_PKG_VERSION"),
    " (news watch; +https://github.com/veille)"
);

/// How fetching behaves.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Time to connect (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time for the whole response, body included.
    pub read_timeout: Duration,
    /// Largest body read; beyond it the URL fails.
    pub max_bytes: u64,
    /// Redirects followed.
    pub max_redirects: u32,
    /// Time between two requests to the same host.
    pub per_host_delay: Duration,
    /// Hosts fetched at once.
    pub max_hosts: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            max_bytes: 16 << 20,
            max_redirects: 5,
            per_host_delay: Duration::from_secs(1),
            max_hosts: 4,
        }
    }
}

/// Validators of a previous fetch, for a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` the server gave.
    pub etag: Option<String>,
    /// The `Last-Modified` the server gave.
    pub last_modified: Option<String>,
}

/// A fetched body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL asked for.
    pub url: String,
    /// The URL answered, after redirects.
    pub final_url: String,
    /// The `Content-Type`, when given.
    pub content_type: Option<String>,
    /// Validators for the next conditional request.
    pub validators: Validators,
    /// The body (decompressed when the server compressed it).
    pub body: Vec<u8>,
}

/// The outcome of a fetch that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new body.
    Fetched(Fetched),
    /// 304: nothing changed since the validators given.
    NotModified,
}

/// Why a URL could not be fetched; each names it.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an http(s) URL.
    #[error("{url}: not an http or https URL")]
    BadUrl {
        /// The URL.
        url: String,
    },
    /// The host is unknown or does not answer.
    #[error("{url}: cannot connect: {reason}")]
    Connect {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Too slow.
    #[error("{url}: timed out ({what})")]
    Timeout {
        /// The URL.
        url: String,
        /// Which timeout.
        what: String,
    },
    /// An HTTP error status.
    #[error("{url}: HTTP {status}{}", reason_phrase(*status))]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body is beyond the size cap: announced so (then not read), or found so (reading
    /// stopped at the cap).
    #[error("{url}: response larger than {limit} bytes: {}", match announced {
        Some(n) => format!("its Content-Length is {n}, not read"),
        None => "stopped reading at the size cap".to_string(),
    })]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: u64,
        /// The length the server announced, when it was beyond the cap.
        announced: Option<u64>,
    },
    /// A redirect chain beyond the bound (or a loop).
    #[error("{url}: more than {limit} redirects (a redirect loop, or a chain too long)")]
    TooManyRedirects {
        /// The URL.
        url: String,
        /// The bound.
        limit: u32,
    },
    /// The server closed the connection before its answer was whole.
    #[error("{url}: the server closed the connection {when}")]
    Closed {
        /// The URL.
        url: String,
        /// When: before answering, or in the middle of the body.
        when: &'static str,
    },
    /// Anything else the client met.
    #[error("{url}: {reason}")]
    Other {
        /// The URL.
        url: String,
        /// What.
        reason: String,
    },
}

impl FetchError {
    /// The URL that failed.
    pub fn url(&self) -> &str {
        match self {
            FetchError::BadUrl { url }
            | FetchError::Connect { url, .. }
            | FetchError::Timeout { url, .. }
            | FetchError::Status { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::Closed { url, .. }
            | FetchError::Other { url, .. } => url,
        }
    }
}

/// ` Not Found` after `HTTP 404`: the status's reason phrase, when it has one.
fn reason_phrase(status: u16) -> String {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(String::new, |r| format!(" {r}"))
}

/// An HTTP client with veille's limits and manners.
pub struct Fetcher {
    agent: ureq::Agent,
    config: FetchConfig,
    last_by_host: Mutex<HashMap<String, Instant>>,
}

/// Whether `s` is an http(s) URL (what `ingest` fetches rather than opens).
pub fn is_url(s: &str) -> bool {
    let l = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// The host (and port) of a URL, for politeness.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

impl Fetcher {
    /// A client with these limits.
    pub fn new(config: FetchConfig) -> Fetcher {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.read_timeout))
            .max_redirects(config.max_redirects)
            .build()
            .into();
        Fetcher {
            agent,
            config,
            last_by_host: Mutex::new(HashMap::new()),
        }
    }

    /// Wait until this host may be asked again.
    fn wait_turn(&self, host: &str) {
        let wait = {
            let Ok(mut last) = self.last_by_host.lock() else {
                return;
            };
            let now = Instant::now();
            let next = last
                .get(host)
                .map_or(now, |&t| (t + self.config.per_host_delay).max(now));
            last.insert(host.to_string(), next);
            next - now
        };
        std::thread::sleep(wait);
    }

    /// Fetch one URL, conditionally when validators are given.
    pub fn fetch(&self, url: &str, validators: Option<&Validators>) -> Result<Outcome, FetchError> {
        if !is_url(url) {
            return Err(FetchError::BadUrl { url: url.into() });
        }
        self.wait_turn(&host_of(url));
        let mut req = self.agent.get(url);
        if let Some(v) = validators {
            if let Some(e) = &v.etag {
                req = req.header("If-None-Match", e);
            }
            if let Some(m) = &v.last_modified {
                req = req.header("If-Modified-Since", m);
            }
        }
        let mut resp = req
            .call()
            .map_err(|e| self.error(url, e, "without answering"))?;
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(Outcome::NotModified);
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status {
                url: url.into(),
                status,
            });
        }
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type");
        let validators = Validators {
            etag: header("etag"),
            last_modified: header("last-modified"),
        };
        let final_url = resp.get_uri().to_string();
        let limit = self.config.max_bytes;
        let announced = header("content-length").and_then(|n| n.trim().parse::<u64>().ok());
        if let Some(n) = announced.filter(|&n| n > limit) {
            return Err(FetchError::TooLarge {
                url: url.into(),
                limit,
                announced: Some(n),
            });
        }
        let mut body = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| self.error(url, ureq::Error::from(e), "before the end of the body"))?;
        if body.len() as u64 > limit {
            return Err(FetchError::TooLarge {
                url: url.into(),
                limit,
                announced: None,
            });
        }
        Ok(Outcome::Fetched(Fetched {
            url: url.into(),
            final_url,
            content_type,
            validators,
            body,
        }))
    }

    /// The error of `url`; `closed` says when, should the server have hung up.
    fn error(&self, url: &str, e: ureq::Error, closed: &'static str) -> FetchError {
        let url = url.to_string();
        match e {
            ureq::Error::Timeout(t) => FetchError::Timeout {
                url,
                what: t.to_string(),
            },
            ureq::Error::HostNotFound => FetchError::Connect {
                url,
                reason: "host not found".into(),
            },
            ureq::Error::ConnectionFailed => FetchError::Connect {
                url,
                reason: "connection refused or failed".into(),
            },
            ureq::Error::TooManyRedirects => FetchError::TooManyRedirects {
                url,
                limit: self.config.max_redirects,
            },
            ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge {
                url,
                limit: self.config.max_bytes,
                announced: None,
            },
            ureq::Error::BadUri(_) => FetchError::BadUrl { url },
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                FetchError::Connect {
                    url,
                    reason: e.to_string(),
                }
            }
            // The resolver's failure, as the standard library words it (no kind of its own).
            ureq::Error::Io(e) if e.to_string().starts_with("failed to lookup address") => {
                FetchError::Connect {
                    url,
                    reason: format!("host not found ({e})"),
                }
            }
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => FetchError::Timeout {
                url,
                what: e.to_string(),
            },
            ureq::Error::Io(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::BrokenPipe
                ) =>
            {
                FetchError::Closed { url, when: closed }
            }
            e => FetchError::Other {
                url,
                reason: e.to_string(),
            },
        }
    }

    /// Fetch many URLs: hosts in parallel (at most `max_hosts` at once), one request at a time
    /// per host with the delay between; results in the order of `urls`.
    pub fn fetch_all(
        &self,
        urls: &[(String, Option<Validators>)],
    ) -> Vec<Result<Outcome, FetchError>> {
        let mut by_host: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, (u, _)) in urls.iter().enumerate() {
            by_host.entry(host_of(u)).or_default().push(i);
        }
        let queues: Mutex<Vec<Vec<usize>>> = Mutex::new(by_host.into_values().rev().collect());
        let results: Mutex<Vec<Option<Result<Outcome, FetchError>>>> =
            Mutex::new((0..urls.len()).map(|_| None).collect());
        let workers = self.config.max_hosts.clamp(1, urls.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let Some(queue) = queues.lock().ok().and_then(|mut q| q.pop()) else {
                        return;
                    };
                    for i in queue {
                        let (u, v) = &urls[i];
                        let r = self.fetch(u, v.as_ref());
                        if let Ok(mut res) = results.lock() {
                            res[i] = Some(r);
                        }
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .zip(urls)
            .map(|(r, (u, _))| {
                r.unwrap_or_else(|| {
                    Err(FetchError::Other {
                        url: u.clone(),
                        reason: "not fetched".into(),
                    })
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_hosts() {
        assert!(is_url("https://example.org/a") && is_url("HTTP://x"));
        assert!(!is_url("feeds/a.rss") && !is_url("ftp://x"));
        assert_eq!(host_of("https://Example.org:8080/a?b"), "example.org:8080");
        let f = Fetcher::new(FetchConfig::default());
        assert!(matches!(
            f.fetch("file:///etc/passwd", None),
            Err(FetchError::BadUrl { .. })
        ));
    }
}
