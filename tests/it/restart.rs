//! Restarting the server under load drops no request: the old process finishes what it took
//! while the new one takes the socket, either inherited (systemd socket activation) or bound
//! beside it with `SO_REUSEPORT`. Readers here open a connection per request, as many do, so
//! every request meets the handover.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::helpers::available;

/// A data dir with a small demo newsroom.
fn newsroom() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "--log", "warn"])
        .args(["demo", "--articles", "12"])
        .env_remove("BROADSHEET_DATABASE_URL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

fn serve(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    command
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--log",
            "warn",
            "serve",
        ])
        .args(args)
        .env_remove("BROADSHEET_DATABASE_URL")
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

/// Waits for the "is serving" line of a started server.
fn wait_serving(child: &mut Child) {
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("is serving"))),
        "the server did not start"
    );
}

fn terminate(child: &Child) {
    // SAFETY: signalling a child process we started and have not reaped.
    let sent = unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(sent, 0);
}

/// Readers asking for pages on fresh connections until told to stop.
struct Load {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failures: Arc<std::sync::Mutex<Vec<String>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(addr: std::net::SocketAddr, readers: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
        let threads = (0..readers)
            .map(|i| {
                let (stop, ok, failures) = (stop.clone(), ok.clone(), failures.clone());
                std::thread::spawn(move || {
                    let paths = ["/", "/healthz", "/feed/", "/newsletters"];
                    let mut n = i;
                    while !stop.load(Ordering::SeqCst) {
                        let path = paths[n % paths.len()];
                        n += 1;
                        match fetch(addr, path) {
                            Ok(200) => {
                                ok.fetch_add(1, Ordering::SeqCst);
                            }
                            Ok(status) => {
                                failures.lock().unwrap().push(format!("{path}: {status}"))
                            }
                            Err(e) => failures.lock().unwrap().push(format!("{path}: {e}")),
                        }
                    }
                })
            })
            .collect();
        Load {
            stop,
            ok,
            failures,
            threads,
        }
    }

    fn ok(&self) -> usize {
        self.ok.load(Ordering::SeqCst)
    }

    fn finish(self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads {
            t.join().unwrap();
        }
        let failures = self.failures.lock().unwrap().clone();
        (self.ok.load(Ordering::SeqCst), failures)
    }
}

/// One request on a connection of its own; the status.
fn fetch(addr: std::net::SocketAddr, path: &str) -> std::io::Result<u16> {
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let head = String::from_utf8_lossy(&response[..response.len().min(12)]).into_owned();
    head.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {} bytes", response.len())))
}

/// Runs load through a restart made by `handover`, which starts the new server, stops the old
/// one and returns the new one; every request must succeed, and both servers must have answered.
fn restart_under_load(
    addr: std::net::SocketAddr,
    old: Child,
    handover: impl FnOnce(Child) -> Child,
) {
    let load = Load::start(addr, 4);
    std::thread::sleep(Duration::from_millis(800));
    let before = load.ok();
    assert!(before > 0, "the old server answered nothing");
    let mut new = handover(old);
    let after_handover = load.ok();
    std::thread::sleep(Duration::from_millis(800));
    let (ok, failures) = load.finish();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {:?}",
        failures.len(),
        ok + failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(
        ok > after_handover,
        "the new server answered nothing after the handover"
    );
    terminate(&new);
    assert!(new.wait().unwrap().success());
}

/// Stops `old` and waits until it exits, having finished its requests: it must exit cleanly.
fn stop_and_reap(mut old: Child) {
    terminate(&old);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = old.try_wait().unwrap() {
            assert!(status.success(), "the old server exited with {status}");
            return;
        }
        assert!(Instant::now() < deadline, "the old server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_restart_on_an_inherited_socket_drops_no_request() {
    let dir = newsroom();
    // This test plays systemd: it holds the socket and passes it to each server in turn.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fd = listener.as_raw_fd();
    // SAFETY: raises the backlog of a socket this test owns.
    assert_eq!(unsafe { libc::listen(fd, 4096) }, 0);
    let start = || {
        let mut command = serve(dir.path(), &["--listen", "127.0.0.1:1"]);
        command.env("LISTEN_FDS", "1");
        // SAFETY: dup2 and fcntl are async-signal-safe; they put the socket at descriptor 3,
        // inheritable, as systemd does.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(fd, 3) < 0 || libc::fcntl(3, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn().unwrap();
        wait_serving(&mut child);
        child
    };
    let old = start();
    restart_under_load(addr, old, |old| {
        stop_and_reap(old);
        // Meanwhile connections wait in the socket's backlog.
        start()
    });
    drop(listener);
}

#[test]
fn a_restart_beside_the_old_process_drops_no_request() {
    let migrates = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_migrate_req")
        .is_ok_and(|v| v.trim() == "1");
    if !available(
        migrates,
        "net.ipv4.tcp_migrate_req must be 1 in CI (.ci/run sets it)",
        "set net.ipv4.tcp_migrate_req=1 to test a SO_REUSEPORT handover",
    ) {
        return;
    }
    let dir = newsroom();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let start = || {
        let mut child = serve(dir.path(), &["--listen", &listen]).spawn().unwrap();
        wait_serving(&mut child);
        child
    };
    let old = start();
    restart_under_load(listen.parse().unwrap(), old, |old| {
        let new = start();
        stop_and_reap(old);
        new
    });
}

/// The systemd units in `deploy/` are valid, and the service's sandbox keeps its exposure low
/// (systemd's own score: 0 is locked down, 10 is unprotected).
#[test]
fn the_shipped_systemd_units_are_valid_and_sandboxed() {
    let present = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok();
    if !available(
        present,
        "systemd-analyze must be installed in CI",
        "install systemd to check the shipped units",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let deploy = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    let service = std::fs::read_to_string(deploy.join("broadsheet.service"))
        .unwrap()
        .replace(
            "/usr/local/bin/broadsheet",
            env!("CARGO_BIN_EXE_broadsheet"),
        );
    std::fs::write(dir.path().join("broadsheet.service"), service).unwrap();
    std::fs::copy(
        deploy.join("broadsheet.socket"),
        dir.path().join("broadsheet.socket"),
    )
    .unwrap();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.path().join("broadsheet.socket"))
        .arg(dir.path().join("broadsheet.service"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verify.stderr).into_owned();
    assert!(verify.status.success() && said.trim().is_empty(), "{said}");
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(dir.path().join("broadsheet.service"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&security.stdout).into_owned();
    let exposure: f64 = report
        .split("Overall exposure level for broadsheet.service: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in: {report}"));
    assert!(exposure <= 2.0, "exposure {exposure}: {report}");
}
