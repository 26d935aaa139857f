//! Who holds a claim. Every worker — a server's job worker, a `newsletter send` from the command
//! line — names itself `host:pid-nonce`. A server restarted after a crash can then tell its dead
//! predecessor's claims (this host, no such process) from a live neighbour's, and take them back
//! at once rather than after their lease: the work a `kill -9` interrupted resumes when the
//! server is back, not minutes later. Claims of other hosts are left to their leases.

/// A fresh worker name for this process.
pub fn name() -> String {
    let nonce = crate::secrets::random_token().unwrap_or_default();
    format!(
        "{}:{}-{}",
        host(),
        std::process::id(),
        nonce.get(..8).unwrap_or("")
    )
}

/// This process, as `/healthz` names it: `host:pid`.
pub fn node() -> String {
    format!("{}:{}", host(), std::process::id())
}

/// This machine's name, as the kernel knows it.
fn host() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into the buffer we own.
    let written = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if written != 0 {
        return "localhost".into();
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).replace(':', "-")
}

/// Whether `worker` was a process of this host that no longer runs (and is not this one, which
/// has claimed nothing yet when it asks).
pub fn is_dead_here(worker: &str) -> bool {
    let Some((worker_host, rest)) = worker.rsplit_once(':') else {
        return false;
    };
    let Some(pid) = rest
        .split('-')
        .next()
        .and_then(|p| p.parse::<libc::pid_t>().ok())
    else {
        return false;
    };
    if worker_host != host() || pid <= 0 {
        return false;
    }
    if u32::try_from(pid).is_ok_and(|p| p == std::process::id()) {
        return true;
    }
    // SAFETY: signal 0 only asks whether the process exists; nothing is delivered.
    let alive = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    !alive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_process_of_this_host_is_told_from_the_living_and_from_other_hosts() {
        let me = name();
        assert!(me.starts_with(&format!("{}:{}-", host(), std::process::id())));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        assert!(is_dead_here(&format!("{}:{dead}-abcdef12", host())));
        assert!(
            !is_dead_here(&format!("{}:1-abcdef12", host())),
            "init lives"
        );
        assert!(!is_dead_here(&format!("elsewhere:{dead}-abcdef12")));
        assert!(
            !is_dead_here("cli-1234"),
            "an old-style name is left to its lease"
        );
    }
}
