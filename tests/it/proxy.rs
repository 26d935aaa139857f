//! The reverse-proxy example of docs/operations.md (`deploy/nginx.conf`), run for real: nginx
//! with a self-signed certificate in front of the binary. Readers reach the site over TLS and
//! HTTP/2, plain HTTP is sent to HTTPS, forms work through it, `/metrics` stays off the public
//! address even with the token, and the site marks its pages for HTTPS only.

use crate::support::binary::{self, Server};
use crate::support::nginx::{Ports, Proxy};

const TOKEN: &str = "a-metrics-token-for-the-proxy-test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_nginx_example_serves_the_site_over_tls() {
    let Some(ports) = Ports::pick() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    binary::demo(&data, None, 12);
    let app = crate::support::nginx::free_port();
    let public = ports.public();
    let listen = format!("127.0.0.1:{app}");
    let mut command = binary::command(
        &data,
        None,
        &[
            "serve",
            "--listen",
            &listen,
            "--trusted-proxies",
            "127.0.0.1",
        ],
    );
    command
        .args(["--base-url", &public, "--metrics-token", TOKEN])
        .stderr(std::process::Stdio::null());
    let _server = Server::start(command);
    let proxy = Proxy::start(dir.path(), &[app], ports);
    let client = proxy.client();
    let home = proxy.first("/").await;
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
        .get(format!("http://127.0.0.1:{}/some/page", ports.http))
        .header("host", "news.example")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 301);
    assert_eq!(plain.headers()["location"], format!("{public}/some/page"));

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
