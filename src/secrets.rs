//! Random tokens and their digests, for sessions, one-time links and API tokens. Only digests
//! are stored, so the database alone never lets anyone in.

use sha2::{Digest, Sha256};

/// 32 random bytes from the operating system, as 64 hex characters.
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(hex(&bytes))
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// An HMAC-SHA256 of `message` under `key`, as hex: links that prove they were made here.
pub fn sign(key: &str, message: &str) -> String {
    use hmac::Mac;
    match hmac::Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(message.as_bytes());
            hex(&mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

pub fn verify_signature(key: &str, message: &str, signature: &str) -> bool {
    let expected = sign(key, message);
    !expected.is_empty() && constant_time_eq(&expected, signature)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_comparisons_exact() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(constant_time_eq(&a, &a.clone()));
        assert!(!constant_time_eq(&a, &b));
        assert!(!constant_time_eq("abc", "abcd"));
        assert_eq!(sha256_hex("abc").len(), 64);
        let sig = sign("key", "preview:1:99");
        assert!(verify_signature("key", "preview:1:99", &sig));
        assert!(!verify_signature("key", "preview:2:99", &sig));
        assert!(!verify_signature("other", "preview:1:99", &sig));
    }
}
