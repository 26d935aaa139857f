//! The reverse-proxy example of docs/operations.md (`deploy/nginx.conf`), run for real: nginx
//! with a self-signed certificate in front of the binary. Readers reach the site over TLS and
//! HTTP/2, plain HTTP is sent to HTTPS, forms work through it, `/metrics` stays off the public
//! address even with the token, and the site marks its pages for HTTPS only.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::helpers::available;

const TOKEN: &str = "a-metrics-token-for-the-proxy-test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `deploy/nginx.conf` as shipped, with this test's ports, certificate and upstream.
fn site_config(dir: &Path, app: u16, http: u16, https: u16) -> String {
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx.conf"))
            .unwrap();
    shipped
        .lines()
        .filter(|l| !l.contains("[::]"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "server 127.0.0.1:8080;",
            &format!("server 127.0.0.1:{app};"),
        )
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

/// A child process stopped with SIGTERM when the test ends, passed or not: nginx's master then
/// stops its workers, and the server finishes.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        // SAFETY: signalling a child this test started and has not reaped.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

fn start_nginx(dir: &Path, site: &str) -> Stopped {
    std::fs::write(dir.join("site.conf"), site).unwrap();
    let d = dir.display();
    let main = format!(
        "daemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\nevents {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d};\n  proxy_temp_path {d};\n  fastcgi_temp_path {d};\n  uwsgi_temp_path {d};\n  scgi_temp_path {d};\n  include {d}/site.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let check = Command::new("nginx")
        .arg("-t")
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .output()
        .unwrap();
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
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_nginx_example_serves_the_site_over_tls() {
    let has_nginx = Command::new("nginx").arg("-v").output().is_ok();
    if !available(
        has_nginx,
        "nginx must be installed in CI",
        "install nginx to test the proxy example",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=news.example",
        ])
        .arg("-keyout")
        .arg(dir.path().join("key.pem"))
        .arg("-out")
        .arg(dir.path().join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    let data = dir.path().join("data");
    let demo = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "--log",
            "warn",
            "demo",
            "--articles",
            "12",
        ])
        .env_remove("BROADSHEET_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let (app, http, https) = (free_port(), free_port(), free_port());
    let public = format!("https://news.example:{https}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "--log",
            "warn",
            "serve",
        ])
        .args([
            "--listen",
            &format!("127.0.0.1:{app}"),
            "--trusted-proxies",
            "127.0.0.1",
        ])
        .args(["--base-url", &public, "--metrics-token", TOKEN])
        .env_remove("BROADSHEET_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = BufReader::new(server.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("is serving"));
    let _server = Stopped(server);
    assert!(started);
    let _nginx = start_nginx(dir.path(), &site_config(dir.path(), app, http, https));

    let address: std::net::SocketAddr = format!("127.0.0.1:{https}").parse().unwrap();
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .resolve("news.example", address)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let home = loop {
        match client.get(format!("{public}/")).send().await {
            Ok(r) => break r,
            Err(e) => {
                assert!(Instant::now() < deadline, "nginx does not answer: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(home.status(), 200);
    assert!(
        home.headers().contains_key("strict-transport-security"),
        "an https base URL marks pages for HTTPS only"
    );
    let page = home.text().await.unwrap();
    assert!(page.contains(&format!("href=\"{public}/")) || page.contains("rel=\"canonical\""));

    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{http}/some/page"))
        .header("host", "news.example")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 301);
    assert_eq!(
        plain.headers()["location"],
        format!("https://news.example:{https}/some/page")
    );

    let metrics = client
        .get(format!("{public}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        metrics.status(),
        404,
        "the proxy keeps /metrics off the public address"
    );
    let direct = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{app}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        direct.status(),
        200,
        "on the node's own address the token opens it"
    );

    let signup = client
        .post(format!("{public}/newsletters/subscribe"))
        .header("origin", &public)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=proxy%40reader.example&newsletter=white-house-watch")
        .send()
        .await
        .unwrap();
    assert_eq!(
        signup.status(),
        303,
        "a form posted through the proxy is taken"
    );
}
