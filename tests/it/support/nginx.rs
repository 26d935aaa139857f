//! nginx running `deploy/nginx.conf` as shipped, with a test's own ports, a self-signed
//! certificate and its nodes as the upstream, for the tests of the reverse-proxy example and of
//! several nodes behind one balancer.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::helpers::available;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The ports a proxy will listen on, chosen before the nodes start (their `--base-url` names
/// the HTTPS one).
#[derive(Clone, Copy)]
pub struct Ports {
    pub http: u16,
    pub https: u16,
}

impl Ports {
    /// Free ports; `None` (after saying why) without nginx outside CI.
    pub fn pick() -> Option<Ports> {
        let has_nginx = Command::new("nginx").arg("-v").output().is_ok();
        available(
            has_nginx,
            "nginx must be installed in CI",
            "install nginx to test the proxy example",
        )
        .then(|| Ports {
            http: free_port(),
            https: free_port(),
        })
    }

    /// The site's public address through the proxy.
    pub fn public(&self) -> String {
        format!("https://news.example:{}", self.https)
    }
}

/// nginx in front of `nodes` (their ports), on `ports`.
pub struct Proxy {
    _nginx: Stopped,
    pub ports: Ports,
    /// nginx's error log, quoted when it does not answer (a port taken since it was picked).
    error_log: std::path::PathBuf,
}

impl Proxy {
    pub fn start(dir: &Path, nodes: &[u16], ports: Ports) -> Proxy {
        self_signed(dir);
        let site = site_config(dir, nodes, ports.http, ports.https);
        Proxy {
            _nginx: run(dir, &site),
            ports,
            error_log: dir.join("error.log"),
        }
    }

    /// A client that reaches `news.example` through the proxy, trusting its certificate.
    pub fn client(&self) -> reqwest::Client {
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], self.ports.https));
        reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .resolve("news.example", address)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client")
    }

    /// Waits until the proxy answers `path`, and returns that answer.
    pub async fn first(&self, path: &str) -> reqwest::Response {
        let (client, url) = (self.client(), format!("{}{path}", self.ports.public()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match client.get(&url).send().await {
                Ok(r) => return r,
                Err(e) => {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "nginx does not answer: {e}; its error log:\n{}",
                        std::fs::read_to_string(&self.error_log).unwrap_or_default()
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }
}

fn self_signed(dir: &Path) {
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=news.example"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "openssl makes a certificate");
}

/// `deploy/nginx.conf` as shipped, with this test's ports, certificate and nodes.
fn site_config(dir: &Path, nodes: &[u16], http: u16, https: u16) -> String {
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx.conf"))
            .expect("the shipped example");
    let upstream: Vec<String> = nodes
        .iter()
        .map(|port| format!("server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;"))
        .collect();
    shipped
        .lines()
        .filter(|l| !l.contains("[::]"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("server 127.0.0.1:8080;", &upstream.join("\n    "))
        .replace("listen 80;", &format!("listen 127.0.0.1:{http};"))
        .replace(
            "listen 443 ssl http2;",
            &format!("listen 127.0.0.1:{https} ssl http2;"),
        )
        .replace(
            "/etc/letsencrypt/live/news.example/fullchain.pem",
            &dir.join("cert.pem").display().to_string(),
        )
        .replace(
            "/etc/letsencrypt/live/news.example/privkey.pem",
            &dir.join("key.pem").display().to_string(),
        )
        .replace(
            "https://$host$request_uri",
            &format!("https://$host:{https}$request_uri"),
        )
}

/// nginx stopped with SIGTERM when the test ends, passed or not: its master then stops its
/// workers (a SIGKILL would leave them running).
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        // SAFETY: signalling a child this test started and has not reaped.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

fn run(dir: &Path, site: &str) -> Stopped {
    std::fs::write(dir.join("site.conf"), site).expect("the site's configuration");
    let d = dir.display();
    let main = format!(
        "daemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\nevents {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d};\n  proxy_temp_path {d};\n  fastcgi_temp_path {d};\n  uwsgi_temp_path {d};\n  scgi_temp_path {d};\n  include {d}/site.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).expect("nginx's configuration");
    let check = Command::new("nginx")
        .arg("-t")
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .output()
        .expect("nginx runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    Stopped(
        Command::new("nginx")
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts"),
    )
}
