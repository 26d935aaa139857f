//! One render: header → plan → decode (shrinking JPEGs on load) → crop and resample (Lanczos-3)
//! → background and padding → encode. Synchronous and CPU-bound: callers run it on a blocking
//! thread under the service's concurrency limit.

use fast_image_resize as fir;

use super::decode::{DecodeError, Frame, Header, Kind, decode, jpeg_is_srgb};
use super::encode::{Output, encode};
use super::geometry::{Plan, plan};
use super::params::{Fit, Transform};
use super::pixels::Pixels;
use super::ycbcr;

/// Bounds that protect the machine.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Source pixels (width × height), checked from the header before decoding.
    pub max_pixels: u64,
    /// Output pixels on either side, after dpr.
    pub max_side: u32,
}

pub struct Rendered {
    pub bytes: Vec<u8>,
    pub output: Output,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug)]
pub enum RenderError {
    Source(DecodeError),
    Failed(String),
}

/// What the output format may be: settled, or JPEG unless the source may be transparent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Exactly(Output),
    JpegOrPng,
}

impl Target {
    pub fn settle(self, header: &Header) -> Output {
        match self {
            Target::Exactly(output) => output,
            Target::JpegOrPng if header.may_have_alpha => Output::Png,
            Target::JpegOrPng => Output::Jpeg,
        }
    }
}

/// The plan for a source, so callers can answer `metadata` questions without pixels.
pub fn plan_for(header: &Header, t: &Transform, focus: (f64, f64), bounds: Bounds) -> Plan {
    plan(header.upright(), t, focus, bounds.max_side)
}

pub fn render(
    bytes: &[u8],
    header: &Header,
    t: &Transform,
    target: Target,
    quality: u8,
    focus: (f64, f64),
    bounds: Bounds,
) -> Result<Rendered, RenderError> {
    let output = target.settle(header);
    let plan = plan_for(header, t, focus, bounds);
    let shrink = if header.kind == Kind::Jpeg {
        plan.decode_shrink()
    } else {
        1
    };
    let straight_through = output == Output::Jpeg
        && header.kind == Kind::Jpeg
        && header.orientation == 1
        && t.fit != Fit::Pad
        && jpeg_is_srgb(bytes);
    if straight_through
        && let Some(bytes) = ycbcr::render(bytes, &plan, header.upright(), shrink, quality)?
    {
        return Ok(Rendered {
            bytes,
            output,
            width: plan.canvas.0,
            height: plan.canvas.1,
        });
    }
    let frames = decode(
        bytes,
        header,
        shrink,
        output == Output::Gif,
        bounds.max_pixels,
    )
    .map_err(RenderError::Source)?;
    let upright = header.upright();
    let frames = frames
        .into_iter()
        .map(|frame| {
            let pixels = resample(&frame.pixels, &plan, upright)?;
            Ok(Frame {
                pixels: finish(pixels, &plan, t, output),
                delay: frame.delay,
            })
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    let bytes = encode(&frames, output, quality).map_err(RenderError::Failed)?;
    Ok(Rendered {
        bytes,
        output,
        width: plan.canvas.0,
        height: plan.canvas.1,
    })
}

/// Crops and resamples the decoded image, which may be smaller than the header said by the
/// decoder's shrink: the plan's region is scaled to match.
fn resample(pixels: &Pixels, plan: &Plan, upright: (u32, u32)) -> Result<Pixels, RenderError> {
    let kx = f64::from(pixels.width) / f64::from(upright.0);
    let ky = f64::from(pixels.height) / f64::from(upright.1);
    let region = plan.region;
    let (x, y) = (region.x * kx, region.y * ky);
    let (w, h) = (
        (region.width * kx).min(f64::from(pixels.width) - x),
        (region.height * ky).min(f64::from(pixels.height) - y),
    );
    let whole =
        x == 0.0 && y == 0.0 && w == f64::from(pixels.width) && h == f64::from(pixels.height);
    if whole && plan.scaled == (pixels.width, pixels.height) {
        return Ok(pixels.clone());
    }
    let kind = if pixels.has_alpha() {
        fir::PixelType::U8x4
    } else {
        fir::PixelType::U8x3
    };
    let failed = |e: &dyn std::fmt::Display| RenderError::Failed(format!("resize: {e}"));
    let source = fir::images::ImageRef::new(pixels.width, pixels.height, &pixels.data, kind)
        .map_err(|e| failed(&e))?;
    let mut scaled = fir::images::Image::new(plan.scaled.0, plan.scaled.1, kind);
    let options = fir::ResizeOptions::new()
        .resize_alg(super::lanczos::lanczos3())
        .crop(x, y, w, h);
    fir::Resizer::new()
        .resize(&source, &mut scaled, &options)
        .map_err(|e| failed(&e))?;
    Ok(Pixels {
        width: plan.scaled.0,
        height: plan.scaled.1,
        channels: pixels.channels,
        data: scaled.into_vec(),
    })
}

const WHITE: [u8; 3] = [255, 255, 255];

/// Applies the background: formats without alpha are laid on `bgcolor` (white by default), and
/// an explicit `bgcolor` fills transparency in every format but PNG, as Origami does. `pad`
/// places the image on a canvas of the box's size.
fn finish(pixels: Pixels, plan: &Plan, t: &Transform, output: Output) -> Pixels {
    let background = match t.bgcolor {
        Some(colour) if output != Output::Png => Some(colour),
        _ if !output.keeps_alpha() => Some(WHITE),
        _ => None,
    };
    let pixels = match background {
        Some(colour) => pixels.flatten(colour),
        None => pixels,
    };
    if t.fit != Fit::Pad || plan.canvas == plan.scaled {
        return pixels;
    }
    let fill = t.bgcolor.unwrap_or(WHITE);
    let mut canvas = if pixels.has_alpha() {
        let alpha = if t.bgcolor.is_some() { 255 } else { 0 };
        Pixels::filled(
            plan.canvas.0,
            plan.canvas.1,
            &[fill[0], fill[1], fill[2], alpha],
        )
    } else {
        Pixels::filled(plan.canvas.0, plan.canvas.1, &fill)
    };
    pixels.place_on(&mut canvas, plan.offset);
    canvas
}
