//! Image-service URLs for the templates: one `src`, a `srcset` of widths, and the social card.

/// The widths a responsive image offers, from a phone's narrow column to a wide retina screen.
pub const SRCSET_WIDTHS: [u32; 7] = [320, 480, 640, 800, 1024, 1280, 1600];

/// The width of the plain `src`, for browsers that ignore `srcset`.
pub const FALLBACK_WIDTH: u32 = 700;

/// Open Graph's recommended card size.
pub const SOCIAL_SIZE: (u32, u32) = (1200, 630);

/// A media item at `width` CSS pixels, never enlarged.
pub fn sized(media_id: i64, width: u32) -> String {
    format!("/images/v2/raw/media:{media_id}?width={width}&fit=scale-down&quality=high")
}

/// Every offered width below the image's own, then the image's own: a candidate whose file
/// would be smaller than its label misleads the browser's choice.
pub fn srcset(media_id: i64, intrinsic_width: u32) -> String {
    let mut widths: Vec<u32> = SRCSET_WIDTHS
        .into_iter()
        .filter(|w| *w < intrinsic_width)
        .collect();
    let widest = SRCSET_WIDTHS[SRCSET_WIDTHS.len() - 1];
    widths.push(intrinsic_width.min(widest));
    widths.dedup();
    widths
        .iter()
        .map(|w| format!("{} {w}w", sized(media_id, *w)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The side of an author's portrait, in CSS pixels, as the theme shows it.
pub const PORTRAIT_SIZE: u32 = 96;

/// An author's square portrait cropped around the focal point, at `dpr` 1 or 2.
pub fn portrait(media_id: i64, dpr: u32) -> String {
    let side = PORTRAIT_SIZE;
    format!(
        "/images/v2/raw/media:{media_id}?width={side}&height={side}&fit=cover&gravity=poi&dpr={dpr}&quality=high"
    )
}

/// The 1200 × 630 crop around the focal point that link previews show.
pub fn social(media_id: i64) -> String {
    let (w, h) = SOCIAL_SIZE;
    crop(media_id, w, h)
}

/// The crops search engines ask of an article's picture (16:9, 4:3 and 1:1), each 1,200
/// pixels wide where the original allows.
pub const STRUCTURED_CROPS: [(u32, u32); 3] = [(1200, 675), (1200, 900), (1200, 1200)];

/// A `width` × `height` JPEG crop around the focal point; the service keeps the shape and
/// shrinks it when the original is smaller.
pub fn crop(media_id: i64, width: u32, height: u32) -> String {
    format!(
        "/images/v2/raw/media:{media_id}?width={width}&height={height}&fit=cover&gravity=poi&format=jpg&quality=high"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srcset_stops_at_the_image_own_width() {
        let small = srcset(7, 700);
        assert!(
            small.ends_with("width=700&fit=scale-down&quality=high 700w"),
            "{small}"
        );
        assert_eq!(
            small.matches("w,").count() + 1,
            4,
            "320, 480, 640 and 700: {small}"
        );
        let large = srcset(7, 4000);
        assert!(
            large.starts_with("/images/v2/raw/media:7?width=320&"),
            "{large}"
        );
        assert!(large.ends_with(" 1600w"));
        assert_eq!(large.matches(" 1600w").count(), 1);
        assert_eq!(srcset(7, 100), sized(7, 100) + " 100w");
    }
}
