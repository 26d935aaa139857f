//! The outside programs some tests need (PostgreSQL, Python modules, the Nu HTML Checker). On a
//! developer's machine a missing one skips its tests with a hint; in CI (`CI` set) it fails them,
//! so no case is ever skipped there without notice.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// `present`, after failing in CI with `in_ci` or printing `hint` elsewhere when it is false.
pub fn available(present: bool, in_ci: &str, hint: &str) -> bool {
    if !present {
        assert!(std::env::var_os("CI").is_none(), "{in_ci}");
        eprintln!("skipped: {hint}");
    }
    present
}

/// Whether `python3` can import `module`.
pub fn python_module(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The value of the environment variable `name` when it is set and not empty.
pub fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Runs `script`, a Python program in `tests/it/support`, with `args` and `input` on its
/// standard input, and waits for it.
pub fn run_python(script: &str, args: &[&str], input: &[u8]) -> Output {
    let path = format!("{}/tests/it/support/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new("python3")
        .arg(path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(input)
        .expect("the script reads its input");
    child.wait_with_output().expect("the script ends")
}

/// A child process that is killed when dropped, so a failing test leaves no server behind
/// (one that outlived its test would hold the test runner's output open).
pub struct KillOnDrop(pub std::process::Child);

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;

    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
