//! The real binary, run as an operator runs it: a command on a data dir, a server started on a
//! free port and killed when the test ends, an editor holding an API token.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use super::helpers::KillOnDrop;

/// `broadsheet --data-dir DIR [--database-url URL] --log warn ARGS…`, free of the caller's
/// environment settings.
pub fn command(dir: &Path, url: Option<&str>, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    command.args([
        "--data-dir",
        dir.to_str().expect("a UTF-8 path"),
        "--log",
        "warn",
    ]);
    if let Some(url) = url {
        command.args(["--database-url", url]);
    }
    command
        .args(args)
        .env_remove("BROADSHEET_DATABASE_URL")
        .env_remove("BROADSHEET_DATA_DIR")
        .env_remove("BROADSHEET_SMTP_URL")
        .env_remove("BROADSHEET_MEDIA_STORE");
    command
}

/// Loads a demo newsroom of `articles` articles, as `broadsheet demo` does.
pub fn demo(dir: &Path, url: Option<&str>, articles: u32) {
    let loaded = command(dir, url, &["demo", "--articles", &articles.to_string()])
        .output()
        .expect("the binary runs");
    assert!(
        loaded.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&loaded.stderr)
    );
}

/// A running `serve`, killed (SIGKILL) when dropped.
pub struct Server {
    pub process: KillOnDrop,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
}

impl Server {
    /// Starts `command` (a `serve`; its standard error as the caller set it) and waits for the
    /// line that says where it serves.
    pub fn start(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let line = BufReader::new(child.stdout.take().expect("its output"))
            .lines()
            .map_while(Result::ok)
            .find(|l| l.contains("is serving"));
        let process = KillOnDrop(child);
        let base = line
            .as_deref()
            .and_then(|l| l.split("is serving ").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .expect("serve prints its URL")
            .trim_end_matches('/')
            .to_string();
        Server { process, base }
    }

    /// `kill -9`, as dropping it does.
    pub fn kill9(self) {
        drop(self);
    }
}

/// Creates an editor (through the accounts service, as `user add` would) and a personal access
/// token for it; returns the token.
pub async fn editor_token(url: &str, email: &str) -> String {
    use broadsheet::accounts::service as accounts;
    let clock = broadsheet::clock::Clock::System;
    let db = broadsheet::db::connect(url, 1).await.expect("the database");
    let account = accounts::NewAccount {
        email: email.into(),
        name: "Desk".into(),
        role: broadsheet::accounts::Role::Editor,
        password: None,
    };
    let editor = accounts::create_user(&db, &clock, account)
        .await
        .expect("an editor");
    let token = accounts::create_api_token(&db, &clock, editor.id, "tests")
        .await
        .expect("a token");
    db.close().await;
    token
}

/// The SQLite URL of a data dir's database.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("broadsheet.db").display())
}

/// A multipart upload body with one JPEG (its alt text "Photo N"), for `/api/v1/media`; returns
/// the content type and the body.
pub fn multipart(photo: &[u8], n: usize) -> (String, Vec<u8>) {
    let boundary = format!("upload{n}");
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nPhoto {n}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p{n}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(photo);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
