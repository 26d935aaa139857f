//! Writing the output. No metadata is written: EXIF (with its GPS position) and profiles stay
//! behind, and the pixels are already sRGB.

use serde::Serialize;
use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use super::decode::Frame;
use super::pixels::Pixels;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    Jpeg,
    Png,
    Webp,
    Avif,
    Gif,
}

impl Output {
    pub fn content_type(self) -> &'static str {
        match self {
            Output::Jpeg => "image/jpeg",
            Output::Png => "image/png",
            Output::Webp => "image/webp",
            Output::Avif => "image/avif",
            Output::Gif => "image/gif",
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Output::Jpeg => 1,
            Output::Png => 2,
            Output::Webp => 3,
            Output::Avif => 4,
            Output::Gif => 5,
        }
    }

    pub fn from_code(code: u8) -> Option<Output> {
        [
            Output::Jpeg,
            Output::Png,
            Output::Webp,
            Output::Avif,
            Output::Gif,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }

    pub fn keeps_alpha(self) -> bool {
        !matches!(self, Output::Jpeg)
    }
}

/// libwebp's effort: 4 is its default and the measured sweet spot (6 is slower and no better).
const WEBP_METHOD: i32 = 4;
/// rav1e's speed (0 slowest … 10 fastest). Measured on the bench corpus at width 700: 9 takes
/// 2.3× less CPU than 8 for 2 % more bytes; 10 saves a little more time for 11 % more bytes.
const AVIF_SPEED: u8 = 9;
/// libvips keeps full chroma from this quality up; so do we, for the same bytes and fidelity.
const FULL_CHROMA_FROM: u8 = 90;

/// Encodes one frame (every frame for GIF). `quality` is 1–100; 100 means lossless where the
/// format has such a mode.
pub fn encode(frames: &[Frame], output: Output, quality: u8) -> Result<Vec<u8>, String> {
    let first = &frames.first().ok_or("nothing to encode")?.pixels;
    match output {
        Output::Jpeg => encode_jpeg(first, quality),
        Output::Png => encode_png(first),
        Output::Webp => encode_webp(first, quality),
        Output::Avif => encode_avif(first, quality),
        Output::Gif => encode_gif(frames),
    }
}

fn encode_jpeg(pixels: &Pixels, quality: u8) -> Result<Vec<u8>, String> {
    let mut compressor = Compressor::new().map_err(|e| e.to_string())?;
    compressor
        .set_quality(i32::from(quality))
        .map_err(|e| e.to_string())?;
    let subsamp = if quality >= FULL_CHROMA_FROM {
        Subsamp::None
    } else {
        Subsamp::Sub2x2
    };
    compressor.set_subsamp(subsamp).map_err(|e| e.to_string())?;
    let (format, size) = if pixels.has_alpha() {
        (PixelFormat::RGBA, 4)
    } else {
        (PixelFormat::RGB, 3)
    };
    let width = pixels.width as usize;
    compressor
        .compress_to_vec(Image {
            pixels: &pixels.data[..],
            width,
            pitch: width * size,
            height: pixels.height as usize,
            format,
        })
        .map_err(|e| e.to_string())
}

fn encode_png(pixels: &Pixels) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixels.width, pixels.height);
    encoder.set_color(if pixels.has_alpha() {
        png::ColorType::Rgba
    } else {
        png::ColorType::Rgb
    });
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels.data)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

fn encode_webp(pixels: &Pixels, quality: u8) -> Result<Vec<u8>, String> {
    let encoder = if pixels.has_alpha() {
        webp::Encoder::from_rgba(&pixels.data, pixels.width, pixels.height)
    } else {
        webp::Encoder::from_rgb(&pixels.data, pixels.width, pixels.height)
    };
    let mut config = webp::WebPConfig::new().map_err(|()| "libwebp refused its defaults")?;
    config.quality = f32::from(quality);
    config.method = WEBP_METHOD;
    config.lossless = i32::from(quality >= 100);
    let memory = encoder
        .encode_advanced(&config)
        .map_err(|e| format!("libwebp: {e:?}"))?;
    Ok(memory.to_vec())
}

fn encode_avif(pixels: &Pixels, quality: u8) -> Result<Vec<u8>, String> {
    let encoder = ravif::Encoder::new()
        .with_quality(f32::from(quality))
        .with_alpha_quality(f32::from(quality))
        .with_speed(AVIF_SPEED)
        .with_num_threads(Some(1));
    let (width, height) = (pixels.width as usize, pixels.height as usize);
    let encoded = if pixels.has_alpha() {
        let rgba: Vec<ravif::RGBA8> = pixels
            .data
            .chunks_exact(4)
            .map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3]))
            .collect();
        encoder.encode_rgba(ravif::Img::new(&rgba[..], width, height))
    } else {
        let rgb: Vec<ravif::RGB8> = pixels
            .data
            .chunks_exact(3)
            .map(|p| ravif::RGB8::new(p[0], p[1], p[2]))
            .collect();
        encoder.encode_rgb(ravif::Img::new(&rgb[..], width, height))
    };
    encoded
        .map(|e| e.avif_file)
        .map_err(|e| format!("AVIF: {e}"))
}

/// NeuQuant's sampling step: 10 is its usual balance of speed and palette quality.
const GIF_QUANTIZER_SPEED: i32 = 10;

fn encode_gif(frames: &[Frame]) -> Result<Vec<u8>, String> {
    let first = &frames.first().ok_or("nothing to encode")?.pixels;
    let size = |n: u32| u16::try_from(n).map_err(|_| "too large for GIF".to_string());
    let (width, height) = (size(first.width)?, size(first.height)?);
    let mut out = Vec::new();
    {
        let mut encoder =
            gif::Encoder::new(&mut out, width, height, &[]).map_err(|e| e.to_string())?;
        if frames.len() > 1 {
            encoder
                .set_repeat(gif::Repeat::Infinite)
                .map_err(|e| e.to_string())?;
        }
        for frame in frames {
            let mut rgba = frame.pixels.clone().with_alpha().data;
            let mut gif_frame =
                gif::Frame::from_rgba_speed(width, height, &mut rgba, GIF_QUANTIZER_SPEED);
            gif_frame.delay = frame.delay;
            encoder.write_frame(&gif_frame).map_err(|e| e.to_string())?;
        }
    }
    Ok(out)
}
