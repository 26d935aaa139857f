//! The image service: every image resized on the fly, with the URL contract of the Financial
//! Times' Origami Image Service v2 (`/images/v2/raw/media:42?width=700&fit=scale-down`), a pixel
//! pipeline of libjpeg-turbo, fast_image_resize and libwebp, a disk cache of variants, and the
//! defences a public resizer needs (allow-listed origins, no internal addresses, size caps before
//! decoding, a bounded queue).

mod address;
mod colors;
mod decode;
mod encode;
mod errors;
mod fetch;
mod geometry;
mod handlers;
mod params;
mod pipeline;
mod pixels;
mod service;
mod source;
pub mod urls;
mod variants;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;

pub use fetch::FetchLimits;
pub use pipeline::Bounds;
pub use service::{ImageConfig, ImageService};
pub use source::AllowList;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/images/v2/{mode}/{*source}", get(handlers::image))
        .route(
            "/__origami/service/image/v2/images/{mode}/{*source}",
            get(handlers::image),
        )
}
