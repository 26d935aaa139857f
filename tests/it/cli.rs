//! The command line: help, bad flags, and every start-up failure gives one clear line and a
//! non-zero exit; serve starts, answers and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use broadsheet::templates::Templates;

use crate::support::postgres;

fn broadsheet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(args)
        .env_remove("BROADSHEET_DATABASE_URL")
        .env_remove("BROADSHEET_DATA_DIR")
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failure is one line naming the problem: no panic, no backtrace.
fn assert_clean_failure(o: &Output, expect: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "should fail: {err}");
    assert!(
        err.contains(expect),
        "stderr should mention {expect:?}: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    let error_lines = err.lines().filter(|l| l.contains("error")).count();
    assert_eq!(error_lines, 1, "one error line: {err}");
}

#[test]
fn every_subcommand_has_help() {
    for (args, expect) in [
        (vec!["--help"], "serve"),
        (vec!["serve", "--help"], "--theme-dir"),
        (vec!["migrate", "--help"], "--database-url"),
        (vec!["demo", "--help"], "--articles"),
        (vec!["user", "add", "--help"], "--password-stdin"),
        (vec!["search", "reindex", "--help"], "search index"),
        (vec!["import", "wordpress", "--help"], "--uploads"),
        (vec!["content-key", "add", "--help"], "--name"),
        (vec!["backup", "--help"], "must not exist yet"),
        (vec!["restore", "--help"], "manifest"),
        (vec!["serve", "--help"], "--metrics-listen"),
    ] {
        let o = broadsheet(&args);
        assert!(o.status.success(), "{args:?}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(expect), "{args:?} help mentions {expect}");
        assert!(
            out.contains("BROADSHEET_"),
            "{args:?} help names the environment variables"
        );
    }
}

#[test]
fn bad_flags_are_named() {
    let o = broadsheet(&["serve", "--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--bogus"));
    let o = broadsheet(&["serve", "--listen", "nowhere"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid value 'nowhere'"));
    let o = broadsheet(&["demo", "--articles", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_unreadable_export_is_named_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xml");
    std::fs::write(
        &file,
        "<?xml version=\"1.0\"?>\n<rss xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n<wp:wxr_version>1.2</wp:wxr_version>\n<item><title>One</item>\n</channel></rss>\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let path = file.to_str().unwrap();
    let o = broadsheet(&["--data-dir", data, "import", "wordpress", path]);
    assert_clean_failure(&o, &format!("{path}:5:"));
    assert!(stderr(&o).contains("malformed"), "{}", stderr(&o));
    let o = broadsheet(&[
        "--data-dir",
        data,
        "import",
        "wordpress",
        "/nonexistent/export.xml",
    ]);
    assert_clean_failure(&o, "/nonexistent/export.xml: No such file");
    let o = broadsheet(&[
        "--data-dir",
        data,
        "import",
        "wordpress",
        path,
        "--uploads",
        "/nonexistent",
    ]);
    assert_clean_failure(&o, "--uploads /nonexistent: no such folder");
}

#[test]
fn a_bad_image_source_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let o = broadsheet(&[
        "--data-dir",
        data,
        "serve",
        "--image-sources",
        "ftp://photos.example/",
    ]);
    assert_clean_failure(&o, "image source \"ftp://photos.example/\"");
    let o = broadsheet(&["serve", "--image-trusted-addresses", "not-an-ip"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid value 'not-an-ip'"));
}

#[test]
fn an_unusable_data_dir_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let inside_file = file.join("data");
    let o = broadsheet(&["--data-dir", inside_file.to_str().unwrap(), "migrate"]);
    assert_clean_failure(&o, "cannot create the data dir");
}

#[test]
fn an_unreachable_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = broadsheet(&[
        "--data-dir",
        d,
        "--database-url",
        "postgres://bob:secret@127.0.0.1:1/news",
        "migrate",
    ]);
    assert_clean_failure(
        &o,
        "cannot reach PostgreSQL at postgres://bob:***@127.0.0.1:1/news",
    );
    assert!(!stderr(&o).contains("secret"), "the password is not shown");
    let o = broadsheet(&["--data-dir", d, "--database-url", "mysql://x/y", "migrate"]);
    assert_clean_failure(&o, "unsupported database URL");
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(broadsheet(&["--data-dir", d, "migrate"]).status.success());
    let db = dir.path().join("broadsheet.db");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'from the future', TRUE, x'00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    });
    let o = broadsheet(&["--data-dir", d, "migrate"]);
    assert_clean_failure(&o, "migrated by a newer version of Broadsheet");
}

#[test]
fn demo_refuses_a_database_with_content_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let first = broadsheet(&["--data-dir", d, "demo", "--articles", "12"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("12 articles"));
    let again = broadsheet(&["--data-dir", d, "demo", "--articles", "12"]);
    assert_clean_failure(&again, "pass --force");
    let forced = broadsheet(&["--data-dir", d, "demo", "--articles", "12", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
}

#[test]
fn content_keys_are_made_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let added = broadsheet(&[
        "--data-dir",
        d,
        "content-key",
        "add",
        "--name",
        "Static site build",
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let key = String::from_utf8_lossy(&added.stdout).trim().to_string();
    assert!(
        key.len() == 26 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    let listed = broadsheet(&["--data-dir", d, "content-key", "list"]);
    let listing = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listing.contains(&key) && listing.contains("Static site build"),
        "{listing}"
    );
    let id = listing.split_whitespace().next().unwrap().to_string();
    let revoked = broadsheet(&["--data-dir", d, "content-key", "revoke", "--id", &id]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let listed = broadsheet(&["--data-dir", d, "content-key", "list"]);
    assert!(!String::from_utf8_lossy(&listed.stdout).contains(&key));
    assert_clean_failure(
        &broadsheet(&["--data-dir", d, "content-key", "revoke", "--id", &id]),
        "no such Content API key",
    );
    assert_clean_failure(
        &broadsheet(&["--data-dir", d, "content-key", "add", "--name", ""]),
        "name the integration",
    );
}

#[test]
fn flags_also_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .arg("migrate")
        .env("BROADSHEET_DATA_DIR", dir.path())
        .env_remove("BROADSHEET_DATABASE_URL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("broadsheet.db").exists());
}

#[test]
fn migrate_runs_on_postgres_too() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some((url, name)) = runtime.block_on(postgres::fresh_database()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let o = broadsheet(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database-url",
        &url,
        "migrate",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    runtime.block_on(postgres::drop_database(&name));
}

#[test]
fn a_missing_or_broken_theme_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let o = broadsheet(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "serve",
        "--theme-dir",
        "/no/such/theme",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_clean_failure(&o, "theme folder /no/such/theme does not exist");

    let theme = tempfile::tempdir().unwrap();
    std::fs::write(theme.path().join("error.html"), "{% if %}").unwrap();
    let err = Templates::load(Some(theme.path()))
        .err()
        .expect("a broken override fails");
    assert!(format!("{err:#}").contains("error.html"));

    std::fs::write(
        theme.path().join("error.html"),
        "{% extends \"layout.html\" %}{% block main %}<p>Custom error</p>{% endblock %}",
    )
    .unwrap();
    std::fs::create_dir(theme.path().join("static")).unwrap();
    std::fs::write(theme.path().join("static/extra.css"), "body{}").unwrap();
    let templates = Templates::load(Some(theme.path())).expect("a good override loads");
    assert!(
        templates.asset("extra.css").is_some(),
        "override assets are served"
    );
    assert!(
        templates.asset("site.css").is_some(),
        "built-in assets remain"
    );
}

/// Starts `serve` on a free loopback port, with its standard output to read line by line.
fn spawn_serve(
    data_dir: &std::path::Path,
    extra: &[&str],
) -> (
    std::process::Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args([
            "--data-dir",
            data_dir.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .args(extra)
        .env_remove("BROADSHEET_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = spawn_serve(dir.path(), &[]);
    let line = lines
        .find_map(|l| l.ok().filter(|l| l.contains("is serving")))
        .expect("serve prints its URL");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    // A failed sign-in is counted against the client's real address.
    let body = "email=nobody%40news.example&password=wrong+password+here";
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /admin/login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful shutdown exits 0, got {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let db = dir.path().join("broadsheet.db");
    let scopes: Vec<String> = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let url = format!("sqlite://{}", db.display());
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query_scalar("SELECT scope FROM rate_events")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    });
    assert!(
        scopes.contains(&"signin-address:127.0.0.1".to_string()),
        "{scopes:?}"
    );
}

fn broadsheet_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(args)
        .env_remove("BROADSHEET_DATABASE_URL")
        .env_remove("BROADSHEET_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn people_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let stdout = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();

    let added = broadsheet_with_stdin(
        &[
            "--data-dir",
            d,
            "user",
            "add",
            "--email",
            "Ed@News.example",
            "--name",
            "Ed Itor",
            "--role",
            "editor",
            "--password-stdin",
        ],
        "plum orchard at dusk\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("Added Ed Itor <ed@news.example> as editor."));

    let invited = broadsheet(&[
        "--data-dir",
        d,
        "user",
        "add",
        "--email",
        "new@news.example",
        "--name",
        "New",
        "--role",
        "author",
    ]);
    assert!(invited.status.success(), "{}", stderr(&invited));
    assert!(
        stdout(&invited).contains("/admin/password/setup/"),
        "a setup link is printed"
    );

    let list = broadsheet(&["--data-dir", d, "user", "list"]);
    let listed = stdout(&list);
    assert!(listed.contains("ed@news.example") && listed.contains("active"));
    assert!(listed.contains("new@news.example") && listed.contains("invited"));

    assert!(
        broadsheet(&[
            "--data-dir",
            d,
            "user",
            "set-role",
            "--email",
            "new@news.example",
            "--role",
            "contributor"
        ])
        .status
        .success()
    );
    assert!(stdout(&broadsheet(&["--data-dir", d, "user", "list"])).contains("contributor"));
    assert!(
        broadsheet(&[
            "--data-dir",
            d,
            "user",
            "disable",
            "--email",
            "ed@news.example"
        ])
        .status
        .success()
    );
    assert!(stdout(&broadsheet(&["--data-dir", d, "user", "list"])).contains("disabled"));
    let reset = broadsheet(&[
        "--data-dir",
        d,
        "user",
        "reset-password",
        "--email",
        "ed@news.example",
    ]);
    assert!(stdout(&reset).contains("/admin/password/reset/"));

    assert_clean_failure(
        &broadsheet(&[
            "--data-dir",
            d,
            "user",
            "set-role",
            "--email",
            "ed@news.example",
            "--role",
            "king",
        ]),
        "--role \"king\"",
    );
    assert_clean_failure(
        &broadsheet_with_stdin(
            &[
                "--data-dir",
                d,
                "user",
                "add",
                "--email",
                "w@news.example",
                "--name",
                "W",
                "--role",
                "author",
                "--password-stdin",
            ],
            "password1234\n",
        ),
        "most common",
    );
    assert_clean_failure(
        &broadsheet(&[
            "--data-dir",
            d,
            "user",
            "disable",
            "--email",
            "ghost@news.example",
        ]),
        "no account has the address",
    );
    assert_clean_failure(
        &broadsheet(&[
            "--data-dir",
            d,
            "user",
            "add",
            "--email",
            "new@news.example",
            "--name",
            "Again",
            "--role",
            "author",
        ]),
        "already exists",
    );
}

#[test]
fn first_serve_prints_a_setup_link_for_an_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = spawn_serve(dir.path(), &["--admin-email", "chief@news.example"]);
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("is serving") {
            break;
        }
    }
    child.kill().ok();
    child.wait().ok();
    assert!(seen.contains("chief@news.example"), "{seen}");
    assert!(seen.contains("/admin/password/setup/"), "{seen}");
}

/// The address `serve` prints, from its standard output.
fn served_address(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> String {
    let line = lines
        .find_map(|l| l.ok().filter(|l| l.contains("is serving")))
        .expect("serve prints its URL");
    line.split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_string()
}

/// A plain GET over HTTP/1.1; the whole response as text.
fn http_get(addr: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// How many results `/search?q=decision` counts (every demo standfirst has the word), once
/// search answers; `None` if it never does within a minute.
fn decision_count(addr: &str) -> Option<usize> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let response = http_get(addr, "/search?q=decision");
        if response.starts_with("HTTP/1.1 200") {
            let count = response
                .split("class=\"search-count\" role=\"status\">")
                .nth(1)?
                .split(' ')
                .next()?
                .replace(',', "");
            return count.parse().ok();
        }
        assert!(response.starts_with("HTTP/1.1 503"), "{response}");
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

fn published_count(dir: &std::path::Path) -> usize {
    let db = dir.join("broadsheet.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let url = format!("sqlite://{}", db.display());
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        let now = chrono::Utc::now().timestamp_micros();
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM articles WHERE status = 'published' AND published_at <= $1",
        )
        .bind(now)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        usize::try_from(n).unwrap()
    })
}

#[test]
fn a_server_killed_while_indexing_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let loaded = broadsheet(&["--data-dir", path, "demo", "--articles", "300"]);
    assert!(loaded.status.success(), "{}", stderr(&loaded));
    let reindexed = broadsheet(&["--data-dir", path, "search", "reindex"]);
    assert!(reindexed.status.success(), "{}", stderr(&reindexed));
    assert!(
        String::from_utf8_lossy(&reindexed.stdout).contains("holds 300 articles"),
        "{}",
        String::from_utf8_lossy(&reindexed.stdout)
    );

    // A new archive makes every node rebuild; this one is killed in the middle of it.
    let replaced = broadsheet(&[
        "--data-dir",
        path,
        "demo",
        "--force",
        "--articles",
        "400",
        "--seed",
        "5",
    ]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    let (mut child, mut lines) = spawn_serve(dir.path(), &[]);
    served_address(&mut lines);
    let search = dir.path().join("search");
    let current = std::fs::read_to_string(search.join("CURRENT")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let building = loop {
        let newer = std::fs::read_dir(&search)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().as_ref() > current.trim());
        if newer || Instant::now() > deadline {
            break newer;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(building, "the server started a rebuild");

    let (mut child, mut lines) = spawn_serve(dir.path(), &[]);
    let addr = served_address(&mut lines);
    let found = decision_count(&addr);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        found,
        Some(published_count(dir.path())),
        "every published article is found after the crash"
    );
}

/// `--metrics-listen` serves `/metrics` on an address of its own while the site's address keeps
/// it shut, and a log that goes to a file (not a terminal) is plain text, free of colour codes.
#[test]
fn metrics_have_their_own_address_and_logs_to_a_file_are_plain() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "--log", "info"])
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            &metrics_addr,
        ])
        .env_remove("BROADSHEET_DATABASE_URL")
        .env_remove("BROADSHEET_METRICS_TOKEN")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let site = served_address(&mut lines);
    assert!(http_get(&site, "/healthz").starts_with("HTTP/1.1 200"));
    let scraped = http_get(&metrics_addr, "/metrics");
    let shut = http_get(&site, "/metrics");
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(scraped.starts_with("HTTP/1.1 200"), "{scraped}");
    assert!(
        scraped.contains("\nbroadsheet_database_up 1\n"),
        "{scraped}"
    );
    assert!(
        scraped.contains("broadsheet_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
        "{scraped}"
    );
    assert!(shut.starts_with("HTTP/1.1 404"), "no token: {shut}");
    let written = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    assert!(written.contains("serving"), "the log has lines: {written}");
    assert!(
        !written.contains('\u{1b}'),
        "colour codes in a log file: {written:?}"
    );
}
