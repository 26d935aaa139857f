//! The server's listening socket, made so a restart drops no request.
//!
//! - **Socket activation.** Under systemd with a `.socket` unit (or anything speaking its
//!   `LISTEN_FDS` protocol) the socket is inherited as descriptor 3. It outlives the server, so
//!   during a restart connections wait in its backlog while the old process finishes what it
//!   took and the new one starts, and none is refused.
//! - **`SO_REUSEPORT`.** Otherwise the socket is bound with `SO_REUSEPORT`, so a new process
//!   can bind the same address beside the old one; the old one is then stopped with SIGTERM and
//!   finishes its requests. Connections the kernel had queued for the old socket move to the new
//!   one when `net.ipv4.tcp_migrate_req` is 1 (Linux 5.14 and later); see docs/operations.md.

use std::net::SocketAddr;
use std::os::fd::FromRawFd;

use anyhow::Context;

/// The first descriptor systemd passes.
const FIRST_PASSED_FD: i32 = 3;

/// Connections the kernel may queue before the server accepts them: enough to ride out a
/// restart's second under load.
const BACKLOG: u32 = 4096;

/// How the listener came to be, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Inherited,
    Bound,
}

/// The inherited socket when one was passed, else `address` bound with `SO_REUSEPORT`.
pub fn open(address: SocketAddr) -> anyhow::Result<(tokio::net::TcpListener, Origin)> {
    if passed_socket() {
        // SAFETY: under the LISTEN_FDS protocol descriptor 3 is an open socket handed to this
        // process alone; nothing else in the process owns it.
        let listener = unsafe { std::net::TcpListener::from_raw_fd(FIRST_PASSED_FD) };
        listener
            .local_addr()
            .context("LISTEN_FDS is set, but descriptor 3 is not a listening TCP socket")?;
        listener
            .set_nonblocking(true)
            .context("cannot make the inherited socket non-blocking")?;
        let listener = tokio::net::TcpListener::from_std(listener)
            .context("cannot use the inherited socket")?;
        return Ok((listener, Origin::Inherited));
    }
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    }
    .context("cannot create a socket")?;
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket
        .bind(address)
        .with_context(|| format!("cannot listen on {address}"))?;
    let listener = socket
        .listen(BACKLOG)
        .with_context(|| format!("cannot listen on {address}"))?;
    Ok((listener, Origin::Bound))
}

/// Whether systemd's protocol passes this process one socket: `LISTEN_FDS=1`, and
/// `LISTEN_PID`, when set, naming this process.
fn passed_socket() -> bool {
    let count = std::env::var("LISTEN_FDS").ok();
    let pid = std::env::var("LISTEN_PID").ok();
    count.as_deref() == Some("1")
        && pid.is_none_or(|pid| pid.trim() == std::process::id().to_string())
}
