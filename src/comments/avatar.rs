//! Generated avatars: a symmetric 5 × 5 pattern in a colour drawn from a keyed digest of the
//! commenter's email. No third-party service sees the address, and because the digest is keyed
//! with the site's secret, the picture cannot be traced back to the address the way an unsalted
//! Gravatar hash can.

use crate::secrets;

/// The seed of a commenter's avatar: the same address always gives the same picture.
pub fn seed(key: &str, email: &str) -> String {
    secrets::sign(key, &format!("avatar:{}", email.trim().to_lowercase()))
}

/// An inline SVG of `size` CSS pixels drawn from `seed` (hex). Colours are presentation
/// attributes, not style, so the page's CSP needs no exception.
pub fn svg(seed: &str, size: u32) -> String {
    let bytes: Vec<u8> = (0..seed.len().min(32))
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(seed.get(i..i + 2)?, 16).ok())
        .collect();
    let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let hue = u32::from(byte(0)) * 360 / 256;
    let mut cells = String::new();
    for row in 0..5u32 {
        for col in 0..3u32 {
            let bit = row * 3 + col;
            if byte(1 + (bit / 8) as usize) >> (bit % 8) & 1 == 0 {
                continue;
            }
            cells.push_str(&format!("M{col} {row}h1v1h-1z"));
            if col < 2 {
                cells.push_str(&format!("M{} {row}h1v1h-1z", 4 - col));
            }
        }
    }
    let mut svg = format!(
        "<svg class=\"comment-avatar\" width=\"{size}\" height=\"{size}\" viewBox=\"0 0 5 5\" \
         aria-hidden=\"true\" focusable=\"false\"><rect width=\"5\" height=\"5\" \
         fill=\"hsl({hue} 45% 92%)\"/><path fill=\"hsl({hue} 55% 42%)\" d=\"{cells}\"/>"
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_address_gives_the_same_picture_and_reveals_nothing() {
        let a = seed("k", "Reader@Example.com ");
        assert_eq!(a, seed("k", "reader@example.com"));
        assert_ne!(a, seed("other key", "reader@example.com"));
        let picture = svg(&a, 48);
        assert_eq!(picture, svg(&a, 48));
        assert!(picture.starts_with("<svg") && picture.ends_with("</svg>"));
        assert!(!picture.contains("example"));
        assert_ne!(picture, svg(&seed("k", "someone@else.example"), 48));
    }
}
