//! `veille serve` driven as a client would: the real binary on 127.0.0.1 (any free port), a
//! real HTTP client (ureq) or raw TCP for the misbehaving clients. Every endpoint, every
//! refusal, reload on SIGHUP (good file, bad file, other kind), shutdown with requests in
//! flight, concurrent clients; answers checked against the checked-in OpenAPI document.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::{jsonl, repo, stdout_text, veille};

const THEMES: &str = "models/themes.veille";
const CLUSTERS: &str = "tests/fixtures/compat/v2/spherical.veille";
const OTHER_CLASSIFIER: &str = "tests/fixtures/compat/v2/classifier.veille";

/// A running server; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_veille"))
            .current_dir(repo("."))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                    let _ = tx.send(rest.trim().parse::<u16>().unwrap());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("server did not start: {:?}", log.lock().unwrap()));
        Server { child, port, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, sig) }, 0);
    }

    /// Wait until a log line contains `needle`.
    fn wait_log(&self, needle: &str) -> String {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Some(l) = self.log.lock().unwrap().iter().find(|l| l.contains(needle)) {
                return l.clone();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "no log line with {needle:?}: {:?}",
            self.log.lock().unwrap()
        );
    }

    fn logs(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// POST `body` with `content_type`; the status, the Content-Type and the body.
fn post(s: &Server, path: &str, content_type: &str, body: &[u8]) -> (u16, String, String) {
    let r = agent()
        .post(&s.url(path))
        .header("Content-Type", content_type)
        .send(body)
        .unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map_or(String::new(), |v| v.to_str().unwrap().to_string());
    let status = r.status().as_u16();
    (status, ct, r.into_body().read_to_string().unwrap())
}

fn get(s: &Server, path: &str) -> (u16, String) {
    let r = agent().get(&s.url(path)).call().unwrap();
    let status = r.status().as_u16();
    (status, r.into_body().read_to_string().unwrap())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn openapi() -> Value {
    json(&std::fs::read_to_string(repo("docs/openapi.json")).unwrap())
}

/// A validator of one component schema of the OpenAPI document.
fn component(name: &str) -> jsonschema::Validator {
    let mut doc = openapi();
    // The component, with the document beside it for its `#/components/...` references.
    let schema = serde_json::json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"].take(),
    });
    jsonschema::validator_for(&schema).unwrap()
}

fn valid(v: &jsonschema::Validator, x: &Value) {
    let errors: Vec<String> = v.iter_errors(x).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?} in {x}");
}

/// An error answer: its status and code, a body that is the documented Error object.
fn refused(answer: (u16, String, String), status: u16, code: &str) {
    let (st, ct, body) = answer;
    assert_eq!(st, status, "{body}");
    assert!(ct.starts_with("application/json"), "{ct}");
    let v = json(&body);
    valid(&component("Error"), &v);
    assert_eq!(v["error"]["code"], code, "{body}");
    assert_eq!(v["error"]["status"], status);
}

fn articles() -> Vec<Value> {
    jsonl(&std::fs::read_to_string(repo("data/themes/test.articles.jsonl")).unwrap())
}

#[test]
fn records_are_the_command_lines_in_every_shape() {
    let s = Server::start(&[
        "--model",
        THEMES,
        "--model",
        &format!("clusters={CLUSTERS}"),
    ]);
    let docs: Vec<Value> = articles().into_iter().take(12).collect();
    let lines: String = docs.iter().map(|d| format!("{d}\n")).collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, &lines).unwrap();
    let cli = |model: &str| {
        stdout_text(
            veille()
                .current_dir(repo("."))
                .args(["classify", "--quiet", "--format", "jsonl", "--model", model])
                .arg(&input),
        )
    };
    let expected = cli(THEMES);
    // JSON Lines in, the CLI's bytes out.
    let (st, ct, body) = post(&s, "/v1/classify", "application/x-ndjson", lines.as_bytes());
    assert_eq!((st, ct.as_str()), (200, "application/x-ndjson"));
    assert_eq!(body, expected);
    // An array in, an array of the same records out; one object in, one record out.
    let array = serde_json::to_vec(&docs).unwrap();
    let (st, ct, body) = post(&s, "/v1/classify", "application/json", &array);
    assert_eq!((st, ct.as_str()), (200, "application/json"));
    assert_eq!(json(&body), Value::Array(jsonl(&expected)));
    let one = serde_json::to_vec(&docs[3]).unwrap();
    let (st, _, body) = post(&s, "/v1/classify", "application/json; charset=utf-8", &one);
    assert_eq!((st, json(&body)), (200, jsonl(&expected)[3].clone()));
    let record = component("Record");
    for r in jsonl(&expected) {
        valid(&record, &r);
    }
    // Plain text: one article.
    let text = docs[0]["text"].as_str().unwrap();
    let (st, _, body) = post(&s, "/v1/classify", "text/plain", text.as_bytes());
    assert_eq!(st, 200);
    assert_eq!(json(&body)["labels"], jsonl(&expected)[0]["labels"]);
    // The same by name, and the clustering by /v1/assign and by name.
    let (_, _, named) = post(
        &s,
        "/v1/models/themes/classify",
        "application/x-ndjson",
        lines.as_bytes(),
    );
    assert_eq!(named, expected);
    let assigned = cli(CLUSTERS);
    let (st, _, body) = post(&s, "/v1/assign", "application/x-ndjson", lines.as_bytes());
    assert_eq!((st, body.as_str()), (200, assigned.as_str()));
    let (_, _, body) = post(
        &s,
        "/v1/models/clusters/classify",
        "application/x-ndjson",
        lines.as_bytes(),
    );
    assert_eq!(body, assigned);
    // Options in the query string, as the command line's flags.
    let (_, _, body) = post(
        &s,
        "/v1/classify?top=2&terms=1&no_passages=true",
        "application/json",
        &one,
    );
    let v = json(&body);
    assert_eq!(v["scores"].as_array().unwrap().len(), 2);
    assert!(v["terms"].as_array().unwrap().len() <= 1);
    assert_eq!(v["passages"], 1);
    // Pass-through fields come back; labels sent are dropped.
    let (_, _, body) = post(
        &s,
        "/v1/classify",
        "application/json",
        br#"{"id": 7, "text": "Export controls on chips.", "source": "afp", "label": "x"}"#,
    );
    let v = json(&body);
    assert_eq!(
        (v["id"].clone(), v["source"].clone()),
        (Value::from("7"), Value::from("afp"))
    );
    assert_ne!(v["labels"], Value::from("x"));
}

#[test]
fn every_get_endpoint_answers_as_documented() {
    let s = Server::start(&["--model", THEMES, "--model", CLUSTERS]);
    let (st, body) = get(&s, "/healthz");
    assert_eq!(
        (st, json(&body)["status"].clone()),
        (200, Value::from("ok"))
    );
    let (st, body) = get(&s, "/readyz");
    assert_eq!((st, json(&body)["models"].clone()), (200, Value::from(2)));
    let (st, body) = get(&s, "/openapi.json");
    assert_eq!((st, json(&body)), (200, openapi()));
    let (st, body) = get(&s, "/");
    assert_eq!(
        (st, json(&body)["models"][1]["kind"].clone()),
        (200, Value::from("clustering"))
    );
    let (st, body) = get(&s, "/v1/models");
    assert_eq!(st, 200);
    let info = component("ModelInfo");
    let models = json(&body)["models"].as_array().unwrap().clone();
    assert_eq!(models.len(), 2);
    for m in &models {
        valid(&info, m);
    }
    assert_eq!(models[0]["name"], "themes");
    assert_eq!(models[1]["name"], "spherical");
    // What inspect --json says of the model, and the file's digest.
    let inspect: Value = serde_json::from_slice(
        &veille()
            .current_dir(repo("."))
            .args(["inspect", "--json", "--model", THEMES])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(models[0]["description"], inspect);
    let bytes = std::fs::read(repo(THEMES)).unwrap();
    use sha2::Digest;
    assert_eq!(
        models[0]["sha256"],
        format!("{:x}", sha2::Sha256::digest(&bytes))
    );
    let (st, body) = get(&s, "/v1/models/spherical");
    assert_eq!(
        (st, json(&body)["kind"].clone()),
        (200, Value::from("clustering"))
    );
    // Metrics count what was served, by endpoint and model.
    post(
        &s,
        "/v1/classify",
        "application/json",
        br#"[{"text": "Sanctions on chips."}, {"text": "Ransomware."}]"#,
    );
    post(&s, "/v1/classify", "application/json", b"{");
    let (st, m) = get(&s, "/metrics");
    assert_eq!(st, 200);
    for needle in [
        r#"veille_http_requests_total{endpoint="/v1/classify",model="themes",status="200"} 1"#,
        r#"veille_http_requests_total{endpoint="/v1/classify",model="themes",status="400"} 1"#,
        r#"veille_articles_total{endpoint="/v1/classify",model="themes"} 2"#,
        r#"veille_http_errors_total{endpoint="/v1/classify",code="bad_json"} 1"#,
        r#"veille_http_request_duration_seconds_count{endpoint="/v1/classify",model="themes"} 2"#,
        "veille_request_body_bytes_total",
        "veille_http_requests_in_flight",
    ] {
        assert!(m.contains(needle), "{needle} not in\n{m}");
    }
    // One log line per request, with its latency.
    let line = s.wait_log("path=/v1/models/spherical");
    assert!(
        line.contains("INFO") && line.contains("status=200") && line.contains("latency_ms="),
        "{line}"
    );
}

#[test]
fn every_refusal_is_a_json_error_and_the_server_keeps_serving() {
    let s = Server::start(&[
        "--model",
        THEMES,
        "--max-body-bytes",
        "20000",
        "--max-article-bytes",
        "3000",
        "--max-articles",
        "3",
        "--request-timeout",
        "2",
    ]);
    let j = "application/json";
    let nd = "application/x-ndjson";
    let a = br#"{"text": "a"}"#.as_slice();
    let big = format!(r#"{{"text": "{}"}}"#, "mot ".repeat(6000));
    let long = format!(r#"{{"text": "{}"}}"#, "mot ".repeat(1000));
    let five = br#"[{"text": "a"}, {"text": "b"}, {"text": "c"}, {"text": "d"}]"#;
    // (path, Content-Type, body, status, code)
    let cases: [(&str, &str, &[u8], u16, &str); 26] = [
        ("/v1/classify", j, b"{\"text\": ", 400, "bad_json"),
        ("/v1/classify", j, b"", 400, "bad_json"),
        ("/v1/classify", j, b"nope", 400, "bad_json"),
        ("/v1/classify", j, b"3", 422, "invalid_article"),
        (
            "/v1/classify",
            j,
            br#"{"text": 42}"#,
            422,
            "invalid_article",
        ),
        (
            "/v1/classify",
            j,
            br#"{"title": "no text"}"#,
            422,
            "invalid_article",
        ),
        (
            "/v1/classify",
            j,
            br#"{"text": "   "}"#,
            422,
            "invalid_article",
        ),
        (
            "/v1/classify",
            j,
            br#"[{"text": "a"}, "b"]"#,
            422,
            "invalid_article",
        ),
        (
            "/v1/classify",
            j,
            br#"{"text": "a", "text": "b"}"#,
            422,
            "invalid_article",
        ),
        (
            "/v1/classify",
            j,
            br#"{"text": "a", "id": [1]}"#,
            422,
            "invalid_article",
        ),
        ("/v1/classify", j, b"\xff\xfe{\0}\0", 400, "bad_encoding"),
        (
            "/v1/classify",
            "text/plain",
            b"caf\xe9",
            400,
            "bad_encoding",
        ),
        (
            "/v1/classify",
            nd,
            b"{\"text\": \"a\"}\n{oops}\n",
            400,
            "bad_json",
        ),
        (
            "/v1/classify",
            nd,
            b"{\"text\": \"a\"}\n{\"id\": 2}\n",
            422,
            "invalid_article",
        ),
        (
            "/v1/classify",
            "application/xml",
            b"<a/>",
            415,
            "unsupported_media_type",
        ),
        (
            "/v1/classify",
            "text/plain; charset=iso-8859-1",
            b"x",
            415,
            "unsupported_media_type",
        ),
        ("/v1/classify", j, big.as_bytes(), 413, "body_too_large"),
        ("/v1/classify", j, long.as_bytes(), 413, "article_too_large"),
        ("/v1/classify", j, five, 413, "too_many_articles"),
        ("/v1/models/nope/classify", j, a, 404, "unknown_model"),
        ("/v1/assign", j, a, 404, "unknown_model"),
        ("/v1/classify?threshold=2", j, a, 400, "bad_parameter"),
        ("/v1/classify?top=0", j, a, 400, "bad_parameter"),
        ("/v1/classify?top=x", j, a, 400, "bad_parameter"),
        ("/v1/classify?colour=red", j, a, 400, "bad_parameter"),
        ("/v1/nothing", j, b"{}", 404, "not_found"),
    ];
    for (path, ct, body, status, code) in cases {
        refused(post(&s, path, ct, body), status, code);
    }
    let e = json(&post(&s, "/v1/classify", nd, b"{\"text\": \"a\"}\n{\"id\": 2}\n").2);
    assert_eq!(e["error"]["message"], "request:2: missing field \"text\"");
    let r = agent().get(&s.url("/v1/classify")).call().unwrap();
    assert_eq!(r.status().as_u16(), 405);
    // No Content-Type at all.
    let r = agent()
        .post(&s.url("/v1/classify"))
        .send(&b"{\"text\": \"a\"}"[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // A body bigger than declared limits, sent chunked (no Content-Length to refuse early).
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let chunk = "x".repeat(10_000);
    let mut req = String::from("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    for _ in 0..3 {
        req.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    req.push_str("0\r\n\r\n");
    let _ = c.write_all(req.as_bytes());
    assert!(read_answer(&mut c).starts_with("HTTP/1.1 413"));
    // A slow client: headers, then a body that never comes.
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.write_all(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"te").unwrap();
    let start = Instant::now();
    let answer = read_answer(&mut c);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"body_timeout\""), "{answer}");
    assert!(start.elapsed() < Duration::from_secs(10));
    // Still serving, and no worker panicked.
    let (st, _, _) = post(&s, "/v1/classify", j, br#"{"text": "Sanctions on chips."}"#);
    assert_eq!(st, 200);
    assert!(!s.logs().contains("panicked"), "{}", s.logs());
}

/// Read an HTTP answer until the server closes or a full small body arrived.
fn read_answer(c: &mut TcpStream) -> String {
    c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        let text = String::from_utf8_lossy(&buf);
        if let Some(h) = text.find("\r\n\r\n") {
            let len = text[..h].lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if len.is_some_and(|n| buf.len() >= h + 4 + n) {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn beyond_max_concurrent_requests_get_429() {
    let s = Server::start(&[
        "--model",
        THEMES,
        "--max-concurrent",
        "1",
        "--request-timeout",
        "5",
    ]);
    // A request that holds the one slot while its body trickles in.
    let mut slow = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    slow.write_all(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"text\": ").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let r = agent()
        .post(&s.url("/v1/classify"))
        .header("Content-Type", "application/json")
        .send(&br#"{"text": "Sanctions on chips."}"#[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers().get("retry-after").unwrap(), "1");
    let body = r.into_body().read_to_string().unwrap();
    assert_eq!(json(&body)["error"]["code"], "too_many_requests");
    // The slow one finishes, and the slot is free again.
    slow.write_all(b"\"Export controls on chips.\"}        ")
        .unwrap();
    assert!(read_answer(&mut slow).starts_with("HTTP/1.1 200"));
    let (st, _, _) = post(
        &s,
        "/v1/classify",
        "application/json",
        br#"{"text": "Sanctions."}"#,
    );
    assert_eq!(st, 200);
}

#[test]
fn sighup_reloads_atomically_and_a_bad_file_keeps_the_old_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.veille");
    std::fs::copy(repo(THEMES), &path).unwrap();
    let s = Server::start(&["--model", path.to_str().unwrap()]);
    let digest = |s: &Server| {
        json(&get(s, "/v1/models/live").1)["sha256"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let labels = |s: &Server| {
        let (_, _, b) = post(
            s,
            "/v1/classify",
            "application/json",
            br#"{"text": "Hackers attacked the hospital network."}"#,
        );
        json(&b)["scores"].as_array().unwrap().len()
    };
    let (d0, n0) = (digest(&s), labels(&s));
    // A good new file (written beside and renamed in, as a deploy would).
    let tmp = dir.path().join("next.veille");
    std::fs::copy(repo(OTHER_CLASSIFIER), &tmp).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    s.signal(libc::SIGHUP);
    s.wait_log("model reloaded");
    let d1 = digest(&s);
    assert_ne!(d0, d1);
    assert_ne!(labels(&s), n0, "the new model's labels are served");
    assert_eq!(json(&get(&s, "/v1/models/live").1)["reloads"], 1);
    // A corrupt file: refused with a log line, the model serving stays.
    std::fs::write(&path, b"VEILLE but not really").unwrap();
    s.signal(libc::SIGHUP);
    let line = s.wait_log("reload failed");
    assert!(line.contains("live.veille"), "{line}");
    assert_eq!(digest(&s), d1);
    assert_eq!(
        post(
            &s,
            "/v1/classify",
            "application/json",
            br#"{"text": "Sanctions."}"#
        )
        .0,
        200
    );
    // Another kind of model under the same name is refused too (POST /v1/reload does what SIGHUP does).
    std::fs::copy(repo(CLUSTERS), &path).unwrap();
    let (st, _, body) = post(&s, "/v1/reload", "application/json", b"");
    assert_eq!((st, json(&body)["failed"].clone()), (200, Value::from(1)));
    assert!(
        s.logs()
            .contains("now holds a clustering, was a classifier"),
        "{}",
        s.logs()
    );
    assert_eq!(digest(&s), d1);
}

#[test]
fn sigterm_finishes_requests_in_flight_then_exits() {
    let mut s = Server::start(&["--model", THEMES]);
    let body = br#"{"text": "Export controls on chips."}"#;
    let mut inflight = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    inflight
        .write_all(format!("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes())
        .unwrap();
    inflight.write_all(&body[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    s.signal(libc::SIGTERM);
    s.wait_log("shutting down");
    // New connections are no longer taken...
    assert!(TcpStream::connect(("127.0.0.1", s.port)).is_err());
    // ...but the request in flight completes.
    inflight.write_all(&body[10..]).unwrap();
    let answer = read_answer(&mut inflight);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"labels\""));
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(s.logs().contains("all requests done"), "{}", s.logs());
}

#[test]
fn concurrent_clients_get_the_answers_of_one_client() {
    let s = Server::start(&["--model", THEMES]);
    let docs = articles();
    let expected: Vec<String> = docs
        .iter()
        .map(|d| {
            post(
                &s,
                "/v1/classify",
                "application/json",
                d.to_string().as_bytes(),
            )
            .2
        })
        .collect();
    let s = Arc::new(s);
    let docs = Arc::new(docs);
    let expected = Arc::new(expected);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (s, docs, expected) = (Arc::clone(&s), Arc::clone(&docs), Arc::clone(&expected));
            std::thread::spawn(move || {
                for i in (0..docs.len()).map(|i| (i * 7 + t) % docs.len()) {
                    let (st, _, body) = post(
                        &s,
                        "/v1/classify",
                        "application/json",
                        docs[i].to_string().as_bytes(),
                    );
                    assert_eq!(st, 200);
                    assert_eq!(body, expected[i], "article {i}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn start_up_failures_are_one_line_with_exit_2() {
    use common::fails_with;
    fails_with(
        veille().args(["serve", "--model", "missing.veille"]),
        "missing.veille",
    );
    fails_with(
        veille()
            .current_dir(repo("."))
            .args(["serve", "--model", THEMES, "--model", THEMES]),
        "two models are named \"themes\"",
    );
    fails_with(
        veille().args(["serve", "--model", "a b=x.veille"]),
        "model name",
    );
    fails_with(
        veille()
            .current_dir(repo("."))
            .args(["serve", "--model", THEMES, "--max-articles", "0"]),
        "--max-articles must be at least 1",
    );
    // A port already taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    fails_with(
        veille()
            .current_dir(repo("."))
            .args(["serve", "--quiet", "--model", THEMES, "--addr", &addr]),
        "cannot listen on",
    );
    assert!(Path::new(&repo(THEMES)).exists());
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_and_the_record_schema() {
    let doc = openapi();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut routes: Vec<(String, String)> = veille::serve::api::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    documented.sort();
    routes.sort();
    assert_eq!(documented, routes);
    assert_eq!(
        veille::serve::OPENAPI,
        std::fs::read_to_string(repo("docs/openapi.json")).unwrap()
    );
    // The Record component is docs/record.schema.json, its $defs moved into components.
    let text = std::fs::read_to_string(repo("docs/record.schema.json")).unwrap();
    let mut record = json(&text.replace("#/$defs/", "#/components/schemas/"));
    let defs = record["$defs"].take();
    let obj = record.as_object_mut().unwrap();
    for k in ["$schema", "$id", "$defs"] {
        obj.remove(k);
    }
    let components = &doc["components"]["schemas"];
    assert_eq!(components["Record"], record);
    for (name, schema) in defs.as_object().unwrap() {
        assert_eq!(&components[name], schema, "{name}");
    }
    // Every error code the service sends is listed.
    let src = std::fs::read_to_string(repo("src/serve/api.rs")).unwrap()
        + &std::fs::read_to_string(repo("src/serve/body.rs")).unwrap()
        + &std::fs::read_to_string(repo("src/serve/problem.rs")).unwrap();
    let codes = components["Error"]["properties"]["error"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap();
    for code in codes {
        assert!(
            src.contains(&format!("\"{}\"", code.as_str().unwrap())),
            "{code} documented but never sent"
        );
    }
}

#[test]
fn work_beyond_the_request_timeout_is_503_and_the_server_goes_on() {
    let s = Server::start(&[
        "--model",
        THEMES,
        "--request-timeout",
        "0.05",
        "--max-articles",
        "5000",
    ]);
    // Enough articles that classifying them takes longer than a second in the debug build the tests run, sent at once.
    let docs = articles();
    let many: Vec<&Value> = docs.iter().cycle().take(4000).collect();
    let body = serde_json::to_vec(&many).unwrap();
    refused(
        post(&s, "/v1/classify", "application/json", &body),
        503,
        "timeout",
    );
    let (st, _, _) = post(
        &s,
        "/v1/classify",
        "application/json",
        br#"{"text": "Sanctions."}"#,
    );
    assert_eq!(st, 200);
}
