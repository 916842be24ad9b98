//! Helpers: paths to the data, running the binary, starting a server.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A raw source file of `../shared/data/raw/lieux/`.
pub fn raw(name: &str) -> PathBuf {
    let path = repo().join("../shared/data/raw/lieux").join(name);
    assert!(
        path.exists(),
        "missing raw data file {} (shared/ must sit beside the repository)",
        path.display()
    );
    path
}

/// Runs `lieux ARGS` to completion.
pub fn lieux(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lieux"))
        .args(args.iter().map(|a| a.as_ref()))
        .current_dir(repo())
        .env("RUST_LOG", "warn")
        // A command that opens the default state directory opens the tests', not the user's.
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("lieux-tests-state"),
        )
        .output()
        .expect("lieux runs")
}

/// Runs `lieux ARGS` and asserts that it succeeds; returns its standard error.
pub fn lieux_ok(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let output = lieux(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "lieux failed: {stderr}");
    stderr
}

/// Indexes the bundled data set with `lieux index` into `DIR/idx`; returns that directory.
pub fn index_bundled(dir: &Path) -> PathBuf {
    let out = dir.join("idx");
    lieux_ok(&[
        &"index",
        &repo().join("data/lieux-pays-de-la-loire.csv"),
        &"--out",
        &out,
    ]);
    out
}

/// The manifest of an index directory.
pub fn manifest(index: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(index.join("manifest.json")).expect("a manifest"))
        .expect("manifest.json is JSON")
}

/// The JSON Lines of a report.
pub fn report_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("report exists")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

/// The rows of a CSV file as header → value maps.
pub fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    csv_rows_of(csv_reader(path))
}

/// The rows a CSV reader reads, as header → value maps.
pub fn csv_rows_of<R: std::io::Read>(
    mut reader: csv::Reader<R>,
) -> Vec<std::collections::HashMap<String, String>> {
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.expect("record").iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn csv_reader(path: &Path) -> csv::Reader<std::fs::File> {
    csv::Reader::from_path(path).expect("csv opens")
}

/// What answers `GET path` with JSON: a server, or nginx in front of several.
pub trait Answers {
    /// `GET path`: the status and the JSON body.
    fn get(&self, path: &str) -> (u16, serde_json::Value);
}

impl Answers for Server {
    fn get(&self, path: &str) -> (u16, serde_json::Value) {
        Server::get(self, path)
    }
}

impl<T: Answers> Answers for std::sync::Arc<T> {
    fn get(&self, path: &str) -> (u16, serde_json::Value) {
        T::get(self, path)
    }
}

impl Answers for Nginx {
    fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let response = agent()
            .get(&format!("{}{path}", self.base))
            .call()
            .expect("nginx answers");
        let (status, _, body) = answer(response);
        let json = serde_json::from_slice(&body).unwrap_or_else(|_| {
            panic!(
                "GET {path} through nginx: {status} {}",
                String::from_utf8_lossy(&body)
            )
        });
        (status, json)
    }
}

/// A `lieux serve` process on 127.0.0.1 with an ephemeral port, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Every line the server has written to its standard error.
    log: std::sync::Arc<std::sync::Mutex<String>>,
    /// Its state directory, when the test gave none: its own, removed with it.
    _state: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts `lieux serve --bind 127.0.0.1:0 EXTRA…` and waits until it listens.
    pub fn start(extra: &[&dyn AsRef<std::ffi::OsStr>]) -> Self {
        Self::start_wrapped(&[], extra)
    }

    /// Starts `WRAPPER… lieux serve --bind 127.0.0.1:0 EXTRA…`, where the wrapper is a command
    /// that runs the rest (`unshare … sh -c '…; exec "$@"'`, say) and ends by executing it, so
    /// that the child is the server.
    pub fn start_wrapped(
        wrapper: &[&dyn AsRef<std::ffi::OsStr>],
        extra: &[&dyn AsRef<std::ffi::OsStr>],
    ) -> Self {
        let lieux = std::ffi::OsStr::new(env!("CARGO_BIN_EXE_lieux"));
        let (program, before) = match wrapper.split_first() {
            Some((program, rest)) => (program.as_ref(), rest),
            None => (lieux, &[][..]),
        };
        // A server writes its contributions to its state directory: each test's its own.
        let state = (!extra.iter().any(|a| a.as_ref() == "--state-dir"))
            .then(|| tempfile::tempdir().expect("a temporary directory"));
        let mut child = Command::new(program)
            .args(before.iter().map(|a| a.as_ref()))
            .args((!wrapper.is_empty()).then_some(lieux))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra.iter().map(|a| a.as_ref()))
            .args(
                state
                    .iter()
                    .flat_map(|dir| [std::ffi::OsStr::new("--state-dir"), dir.path().as_os_str()]),
            )
            .current_dir(repo())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lieux serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (sender, receiver) = std::sync::mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let kept = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut kept) = kept.lock() {
                    kept.push_str(&line);
                    kept.push('\n');
                }
                if !sent {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        let _ = sender.send(url.trim().to_owned());
                        sent = true;
                    }
                }
                eprintln!("[lieux] {line}");
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let base = loop {
            if let Ok(url) = receiver.recv_timeout(Duration::from_millis(100)) {
                break url;
            }
            if let Some(status) = child.try_wait().expect("wait works") {
                panic!("lieux serve exited with {status} before listening");
            }
            assert!(
                Instant::now() < deadline,
                "lieux serve did not listen within 120 s"
            );
        };
        Self {
            child,
            base,
            log,
            _state: state,
        }
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// `GET path`: the status and the JSON body.
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let (status, _, body) = self.get_bytes(path, &[]);
        (
            status,
            serde_json::from_slice(&body).expect("the body is JSON"),
        )
    }
}

impl Server {
    /// `GET path`: the status, the headers and the raw body.
    pub fn get_bytes(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
        self.request(path, headers, None)
    }

    /// `GET path`, or `POST path` with `body`: the status, the headers and the raw body.
    fn request(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
        let url = format!("{}{path}", self.base);
        let agent = agent();
        let response = match body {
            None => headers
                .iter()
                .fold(agent.get(&url), |r, (name, value)| r.header(*name, *value))
                .call(),
            Some(body) => headers
                .iter()
                .fold(agent.post(&url), |r, (name, value)| r.header(*name, *value))
                .send(body),
        }
        .expect("the server answers");
        answer(response)
    }
}

/// An HTTP client that reads error statuses as answers.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// The status, the headers and the body of an answer.
fn answer(response: ureq::http::Response<ureq::Body>) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().read_to_vec().expect("a body");
    (status, headers, body)
}

/// The ids of the features of a GeoJSON answer, in order.
pub fn feature_ids(body: &serde_json::Value) -> Vec<String> {
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// A server on the bundled data. Each test has its own, stopped when it is dropped (a server
/// in a static would outlive the test binary).
pub fn bundled_server() -> Server {
    Server::start(&[])
}

impl Server {
    /// Sends `signal` (`TERM`, `HUP`…) to the server process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server process to exit.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait works")
    }

    /// `POST path` with `body` and headers: the status, the headers and the JSON body.
    pub fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, ureq::http::HeaderMap, serde_json::Value) {
        let (status, headers, bytes) = self.request(path, headers, Some(body));
        let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "POST {path}: the body is not JSON: {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, headers, json)
    }

    /// `POST path` with `body` and headers: the status, the headers and the raw body.
    pub fn post_bytes(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
        self.request(path, headers, Some(body))
    }

    /// Sends `target` as it is, unparsed and unnormalised by any client library, in a raw
    /// HTTP/1.1 request (`GET` unless `method` says otherwise): the status, the headers as
    /// text and the body.
    pub fn raw(&self, method: &str, target: &str) -> (u16, String, Vec<u8>) {
        self.raw_with(method, target, &[])
    }
}

impl Server {
    /// Sends `bytes` as they are on a new connection and reads until the server closes it (at
    /// most `wait`): every byte the server answered.
    pub fn send_raw(&self, bytes: &[u8], wait: Duration) -> Vec<u8> {
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).expect("the server accepts");
        stream
            .set_read_timeout(Some(wait))
            .expect("a timeout can be set");
        // A server that closes first may reset the connection: what it sent is still read.
        let _ = stream.write_all(bytes);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        answer
    }

    /// `method target` with `headers` (`Name: value` lines) in a raw HTTP/1.1 request: the
    /// status, the head as text and the body.
    pub fn raw_with(&self, method: &str, target: &str, headers: &[&str]) -> (u16, String, Vec<u8>) {
        let address = self.base.trim_start_matches("http://");
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {address}\r\n");
        for line in headers {
            request.push_str(line);
            request.push_str("\r\n");
        }
        request.push_str("Connection: close\r\n\r\n");
        let answer = self.send_raw(request.as_bytes(), Duration::from_secs(60));
        split_answer(target, &answer)
    }
}

/// The status, the head and the body of one raw HTTP answer.
pub fn split_answer(target: &str, answer: &[u8]) -> (u16, String, Vec<u8>) {
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "{target}: no HTTP answer: {:?}",
                String::from_utf8_lossy(answer)
            )
        });
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{target}: no status in {head:?}"));
    (status, head, answer[split + 4..].to_vec())
}

impl Server {
    /// A counter or gauge of `/metrics` (the sum of its lines, whatever their labels), leaving
    /// out the requests to `/metrics` itself.
    pub fn metric(&self, name: &str) -> f64 {
        let (_, _, body) = self.get_bytes("/metrics", &[]);
        String::from_utf8(body)
            .expect("text")
            .lines()
            .filter(|l| {
                (l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
                    && !l.contains("/metrics")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

/// Writes `token` to `DIR/admin-token` and returns that path.
pub fn token_file(dir: &Path, token: &str) -> PathBuf {
    let path = dir.join("admin-token");
    std::fs::write(&path, format!("{token}\n")).expect("the token file is written");
    path
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A site of fixed files on 127.0.0.1 with an ephemeral port, standing for another site than
/// lieux (a partner that frames the embed, a basemap's host): every path it is given answers
/// with its file (`Access-Control-Allow-Origin: *`, so pages of other origins may read it), any
/// other a 404; it notes every path asked. Stopped when dropped.
pub struct StaticSite {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl StaticSite {
    /// Serves `files`: (path, content type, body).
    pub fn start(files: &[(&str, &str, &str)]) -> Self {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port on loopback");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let files: Vec<(String, String, String)> = files
            .iter()
            .map(|(p, t, b)| ((*p).to_owned(), (*t).to_owned(), (*b).to_owned()))
            .collect();
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (noted, stopped) = (asked.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head);
                let target = head.split(' ').nth(1).unwrap_or("").to_owned();
                let path = target.split('?').next().unwrap_or("").to_owned();
                if let Ok(mut noted) = noted.lock() {
                    noted.push(target);
                }
                let (status, content_type, body) = files
                    .iter()
                    .find(|(p, _, _)| *p == path)
                    .map_or(("404 Not Found", "text/plain", "not found"), |(_, t, b)| {
                        ("200 OK", t.as_str(), b.as_str())
                    });
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n\
                     Access-Control-Allow-Origin: *\r\nCache-Control: no-store\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { base, asked, stop }
    }

    /// The targets (path and query) asked so far, in order.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accepting thread, which sees the flag and ends.
        let _ = std::net::TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

/// Debian's nginx on a loopback port, stopped on drop: a static host (`serving`) or a load
/// balancer in front of servers (`proxying`).
pub struct Nginx {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: PathBuf,
}

impl Nginx {
    /// nginx serving the files of `root`, as a static host would.
    pub fn serving(root: &Path, work: &Path) -> Self {
        Self::start(work, "", &format!("root {};", root.display()))
    }

    /// nginx sending each request to one of `upstreams` (`http://127.0.0.1:PORT`) in turn, and
    /// to the next when one cannot be reached or fails before answering, as a load balancer in
    /// front of several lieux does.
    pub fn proxying(upstreams: &[&str], work: &Path) -> Self {
        let servers: String = upstreams
            .iter()
            .map(|url| {
                format!(
                    "server {} max_fails=1 fail_timeout=2s; ",
                    url.trim_start_matches("http://")
                )
            })
            .collect();
        Self::start(
            work,
            &format!("upstream lieux {{ {servers}}}"),
            "location / { proxy_pass http://lieux; proxy_next_upstream error timeout; \
             proxy_connect_timeout 1s; proxy_read_timeout 30s; }",
        )
    }

    /// nginx with `http` directives and the `server` block's directives after its `listen`.
    fn start(work: &Path, http: &str, server: &str) -> Self {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(Path::new)
            .find(|path| path.exists())
            .expect("nginx is missing: apt-get install -y nginx-light (tests/run.sh does it)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = work.join("access.log");
        // `user root` only matters when the test runs as root (the workers would be `nobody`,
        // who cannot read a private temporary directory); otherwise nginx ignores it.
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\nuser root;\npid {work}/nginx.pid;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n\
               log_format ranges '$status $request_method $uri \"$http_range\"';\n\
               access_log {log} ranges;\n\
               client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;\n\
               fastcgi_temp_path {work}/fastcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;\n\
               {http}\n\
               server {{ listen 127.0.0.1:{port}; {server} }}\n}}\n",
            work = work.display(),
            log = log.display(),
        );
        let conf_path = work.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(nginx)
            .arg("-e")
            .arg(work.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen: {}",
                std::fs::read_to_string(work.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// What nginx answered: `STATUS METHOD PATH "RANGE"`, one line per request.
    pub fn answered(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private PostgreSQL 15 on a loopback port, as `benches/pg.sh` starts one (`initdb` as the
/// `postgres` user when the tests run as root, trust authentication, in a temporary
/// directory); stopped and removed on drop.
pub struct Postgres {
    dir: tempfile::TempDir,
    /// The port it listens on, 127.0.0.1 only.
    pub port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

impl Postgres {
    /// Makes a cluster and starts it.
    pub fn start() -> Self {
        assert!(
            Path::new(PG_BIN).join("initdb").exists(),
            "PostgreSQL 15 is missing: apt-get install -y postgresql-15 (tests/run.sh does it)"
        );
        let dir = tempfile::Builder::new()
            .prefix("lieux-pg")
            .tempdir()
            .expect("a temporary directory");
        if Self::as_root() {
            let status = Command::new("chown")
                .args(["postgres"])
                .arg(dir.path())
                .status()
                .expect("chown runs");
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let postgres = Self { dir, port };
        postgres.run(
            "initdb",
            &[
                "-D",
                &postgres.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        postgres.resume();
        postgres
    }

    /// Makes a cluster that accepts only TLS connections on its port, with a certificate for
    /// 127.0.0.1 signed by an authority of its own (made by `openssl`), and starts it: the
    /// authority's PEM file.
    pub fn start_with_tls() -> (Self, PathBuf) {
        let postgres = Self::start();
        postgres.stop();
        let data = postgres.data();
        let authority = postgres.dir.path().join("authority.pem");
        let openssl = |args: &[&str]| {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(postgres.dir.path())
                .output()
                .expect("openssl runs");
            assert!(output.status.success(), "openssl {args:?}: {output:?}");
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=lieux tests authority",
            "-keyout",
            "authority.key",
            "-out",
            "authority.pem",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        std::fs::write(
            postgres.dir.path().join("san.ext"),
            "subjectAltName = IP:127.0.0.1\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "authority.pem",
            "-CAkey",
            "authority.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ]);
        for file in ["server.crt", "server.key"] {
            let from = postgres.dir.path().join(file);
            let to = Path::new(&data).join(file);
            std::fs::copy(&from, &to).unwrap();
            if Self::as_root() {
                let status = Command::new("chown")
                    .arg("postgres")
                    .arg(&to)
                    .status()
                    .unwrap();
                assert!(status.success());
            }
            std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
        }
        let conf = Path::new(&data).join("postgresql.conf");
        let mut settings = std::fs::read_to_string(&conf).unwrap();
        settings
            .push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        std::fs::write(&conf, settings).unwrap();
        // TLS or nothing on the port; the unix socket stays for PostgreSQL's own tools.
        std::fs::write(
            Path::new(&data).join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        postgres.resume();
        (postgres, authority)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (`pg_ctl stop -m fast`: the connections are closed at once).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the server again, on the same port, with the same data.
    pub fn resume(&self) {
        let log = self.dir.path().join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log.display().to_string(),
                "-w",
                "-o",
                &format!(
                    "-p {} -c listen_addresses=127.0.0.1 -k {} -c max_connections=50",
                    self.port,
                    self.dir.path().display()
                ),
                "start",
            ],
        );
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn as_root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = Self::tool(program)
            .args(args)
            .output()
            .expect("PostgreSQL's tools run");
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// PostgreSQL's `program`, run as `postgres` when the tests run as root.
    fn tool(program: &str) -> Command {
        let program = Path::new(PG_BIN).join(program);
        if Self::as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = Self::tool("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}
