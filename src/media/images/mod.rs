//! The image service: every image resized on the fly, with the URL contract of the Financial
//! Times' Origami Image Service v2 (`/images/v2/raw/media:42?width=700&fit=scale-down`), a pixel
//! pipeline of libjpeg-turbo, fast_image_resize and libwebp, a disk cache of variants, and the
//! defences a public resizer needs (allow-listed origins, no internal addresses, size caps before
//! decoding, a bounded queue).

mod address;
mod budget;
mod colors;
mod decode;
mod encode;
mod errors;
mod fetch;
mod geometry;
mod handlers;
mod lanczos;
mod memory;
mod params;
mod pipeline;
mod pixels;
mod service;
mod source;
pub mod urls;
mod variants;
mod ycbcr;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use fetch::FetchLimits;
pub use memory::keep_codec_buffers;
pub use pipeline::Bounds;
pub use service::{DEFAULT_QUEUE, DEFAULT_QUEUE_WAIT_SECONDS, ImageConfig, ImageService};
pub use source::AllowList;

/// Resizes `bytes` to `width` pixels wide (never enlarging) and encodes it as `format` (jpeg,
/// webp, avif or png) at encoder `quality`: the pixel pipeline alone, without HTTP, cache or
/// queue, so `bench/images.sh` can time exactly what a cache miss costs.
pub fn resize_to_width(
    bytes: &[u8],
    width: u32,
    format: &str,
    quality: u8,
) -> Result<Vec<u8>, String> {
    let output = match format {
        "jpeg" | "jpg" => encode::Output::Jpeg,
        "webp" => encode::Output::Webp,
        "avif" => encode::Output::Avif,
        "png" => encode::Output::Png,
        other => return Err(format!("unknown format {other}")),
    };
    let t = params::Transform::parse(&format!("width={width}&fit=scale-down"))?;
    let bounds = Bounds {
        max_pixels: 100_000_000,
        max_side: 8192,
    };
    let header = decode::read_header(bytes, bounds.max_pixels).map_err(|e| e.to_string())?;
    let target = pipeline::Target::Exactly(output);
    pipeline::render(bytes, &header, &t, target, quality, (0.5, 0.5), bounds)
        .map(|r| r.bytes)
        .map_err(|e| format!("{e:?}"))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/images/v2/{mode}/{*source}", get(handlers::image))
        .route(
            "/__origami/service/image/v2/images/{mode}/{*source}",
            get(handlers::image),
        )
}
