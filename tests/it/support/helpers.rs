//! The outside programs some tests need (PostgreSQL, Python modules, the Nu HTML Checker). On a
//! developer's machine a missing one skips its tests with a hint; in CI (`CI` set) it fails them,
//! so no case is ever skipped there without notice.

use std::process::{Command, Stdio};

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
