//! Reading sources: what a file is (from its bytes, never its name), how big it claims to be
//! (from its header, before any pixel is allocated), and its pixels, upright and in sRGB.

use std::io::Cursor;

use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

use super::pixels::Pixels;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Gif,
    Webp,
}

/// What the header says, read without decoding.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    pub kind: Kind,
    /// As stored, before the EXIF orientation is applied.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation, 1 when absent.
    pub orientation: u8,
    /// Whether the format can carry transparency here (a guess on the safe side for GIF).
    pub may_have_alpha: bool,
}

impl Header {
    /// The size once turned upright.
    pub fn upright(&self) -> (u32, u32) {
        if self.orientation >= 5 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    NotAnImage,
    TooManyPixels { width: u32, height: u32 },
    Unsupported(&'static str),
    Corrupt(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::NotAnImage => {
                write!(
                    f,
                    "The source is not an image in a supported format (JPEG, PNG, GIF or WebP)"
                )
            }
            DecodeError::TooManyPixels { width, height } => write!(
                f,
                "The source image is too large to process ({width} × {height} pixels)"
            ),
            DecodeError::Unsupported(what) => {
                write!(f, "The source image is not supported: {what}")
            }
            DecodeError::Corrupt(why) => write!(f, "The source image could not be decoded: {why}"),
        }
    }
}

pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some(Kind::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Kind::Png),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Kind::Gif),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some(Kind::Webp),
        _ => None,
    }
}

/// Reads the header and refuses, before decoding, anything above `max_pixels`: a small file that
/// claims 100,000 × 100,000 pixels never gets its buffer.
pub fn read_header(bytes: &[u8], max_pixels: u64) -> Result<Header, DecodeError> {
    let kind = sniff(bytes).ok_or(DecodeError::NotAnImage)?;
    let size = imagesize::blob_size(bytes)
        .map_err(|e| DecodeError::Corrupt(format!("unreadable header ({e})")))?;
    let (width, height) = (
        u32::try_from(size.width).unwrap_or(u32::MAX),
        u32::try_from(size.height).unwrap_or(u32::MAX),
    );
    if width == 0 || height == 0 {
        return Err(DecodeError::Corrupt("the header gives no size".into()));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeError::TooManyPixels { width, height });
    }
    let may_have_alpha = match kind {
        Kind::Jpeg => false,
        Kind::Png => png_has_alpha(bytes),
        Kind::Gif => true,
        Kind::Webp => webp::BitstreamFeatures::new(bytes).is_some_and(|f| f.has_alpha()),
    };
    Ok(Header {
        kind,
        width,
        height,
        orientation: exif_orientation(bytes),
        may_have_alpha,
    })
}

/// One decoded frame and how long it shows (hundredths of a second; GIF only).
pub struct Frame {
    pub pixels: Pixels,
    pub delay: u16,
}

/// Decodes the source, upright and in sRGB. JPEGs are shrunk while decoding by `shrink` (1, 2, 4
/// or 8). Animated GIFs give every frame when `all_frames`, else the first.
pub fn decode(
    bytes: &[u8],
    header: &Header,
    shrink: u32,
    all_frames: bool,
    max_pixels: u64,
) -> Result<Vec<Frame>, DecodeError> {
    let (frames, icc) = match header.kind {
        Kind::Jpeg => (
            vec![still(decode_jpeg(bytes, shrink)?)],
            jpeg_icc_profile(bytes),
        ),
        Kind::Png => {
            let (pixels, icc) = decode_png(bytes, max_pixels)?;
            (vec![still(pixels)], icc)
        }
        Kind::Gif => (decode_gif(bytes, all_frames, max_pixels)?, None),
        Kind::Webp => (vec![still(decode_webp(bytes)?)], None),
    };
    Ok(frames
        .into_iter()
        .map(|f| Frame {
            pixels: to_srgb(f.pixels, icc.as_deref()).orient(header.orientation),
            delay: f.delay,
        })
        .collect())
}

fn still(pixels: Pixels) -> Frame {
    Frame { pixels, delay: 0 }
}

fn corrupt(e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt(e.to_string())
}

/// Progressive JPEGs with thousands of scans are a known way to burn CPU; real ones have ~10.
const JPEG_SCAN_LIMIT: u32 = 100;

fn decode_jpeg(bytes: &[u8], shrink: u32) -> Result<Pixels, DecodeError> {
    let mut decompressor = Decompressor::new().map_err(corrupt)?;
    decompressor
        .set_scan_limit(JPEG_SCAN_LIMIT)
        .map_err(corrupt)?;
    let header = decompressor.read_header(bytes).map_err(corrupt)?;
    let factor = ScalingFactor::new(1, shrink as usize);
    decompressor.set_scaling_factor(factor).map_err(corrupt)?;
    let scaled = header.scaled(factor);
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let format = if cmyk {
        PixelFormat::CMYK
    } else {
        PixelFormat::RGB
    };
    let pitch = scaled.width * format.size();
    let mut data = vec![0; pitch * scaled.height];
    decompressor
        .decompress(
            bytes,
            Image {
                pixels: &mut data[..],
                width: scaled.width,
                pitch,
                height: scaled.height,
                format,
            },
        )
        .map_err(corrupt)?;
    if cmyk {
        data = cmyk_to_rgb(&data);
    }
    Ok(Pixels {
        width: u32::try_from(scaled.width).map_err(corrupt)?,
        height: u32::try_from(scaled.height).map_err(corrupt)?,
        channels: 3,
        data,
    })
}

/// CMYK JPEGs come from print workflows (Adobe's, which store the inks inverted); without their
/// press profile, the plain formula is the honest approximation.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let k = u32::from(px[3]);
        for ink in &px[..3] {
            rgb.push(u8::try_from(u32::from(*ink) * k / 255).unwrap_or(u8::MAX));
        }
    }
    rgb
}

fn decode_png(bytes: &[u8], max_pixels: u64) -> Result<(Pixels, Option<Vec<u8>>), DecodeError> {
    let limit = usize::try_from(max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    let mut decoder =
        png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: limit });
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(corrupt)?;
    let icc = reader.info().icc_profile.as_ref().map(|p| p.to_vec());
    let size = reader.output_buffer_size().ok_or(DecodeError::Unsupported(
        "the image is too large for memory",
    ))?;
    let mut data = vec![0; size];
    let info = reader.next_frame(&mut data).map_err(corrupt)?;
    data.truncate(info.buffer_size());
    let (channels, data) = match info.color_type {
        png::ColorType::Rgb => (3, data),
        png::ColorType::Rgba => (4, data),
        png::ColorType::Grayscale => (3, data.iter().flat_map(|&g| [g, g, g]).collect()),
        png::ColorType::GrayscaleAlpha => (
            4,
            data.chunks_exact(2)
                .flat_map(|ga| [ga[0], ga[0], ga[0], ga[1]])
                .collect(),
        ),
        png::ColorType::Indexed => return Err(DecodeError::Unsupported("unexpanded palette")),
    };
    Ok((
        Pixels {
            width: info.width,
            height: info.height,
            channels,
            data,
        },
        icc,
    ))
}

/// The frames an animation may have: enough for any real one, and a bound on the work.
const MAX_GIF_FRAMES: usize = 400;

/// Composes GIF frames on the logical screen, honouring each frame's disposal.
fn decode_gif(bytes: &[u8], all_frames: bool, max_pixels: u64) -> Result<Vec<Frame>, DecodeError> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let limit = max_pixels.saturating_mul(4);
    options.set_memory_limit(gif::MemoryLimit::Bytes(
        std::num::NonZeroU64::new(limit).unwrap_or(std::num::NonZeroU64::MIN),
    ));
    let mut decoder = options.read_info(Cursor::new(bytes)).map_err(corrupt)?;
    let (sw, sh) = (u32::from(decoder.width()), u32::from(decoder.height()));
    let mut screen = Pixels::filled(sw, sh, &[0, 0, 0, 0]);
    let mut frames = Vec::new();
    let mut budget = max_pixels;
    while let Some(frame) = decoder.read_next_frame().map_err(corrupt)? {
        let area = u64::from(sw) * u64::from(sh);
        budget = budget.checked_sub(area).ok_or(DecodeError::TooManyPixels {
            width: sw,
            height: sh,
        })?;
        let before = (frame.dispose == gif::DisposalMethod::Previous).then(|| screen.clone());
        blend_gif_frame(&mut screen, frame);
        frames.push(Frame {
            pixels: screen.clone(),
            delay: frame.delay,
        });
        match frame.dispose {
            gif::DisposalMethod::Background => clear_rect(&mut screen, frame),
            gif::DisposalMethod::Previous => {
                if let Some(before) = before {
                    screen = before;
                }
            }
            _ => {}
        }
        if !all_frames || frames.len() >= MAX_GIF_FRAMES {
            break;
        }
    }
    if frames.is_empty() {
        return Err(DecodeError::Corrupt("the GIF has no frames".into()));
    }
    Ok(frames)
}

/// The frame's visible part of the screen, clipped to it.
fn gif_rect(screen: &Pixels, frame: &gif::Frame<'_>) -> (usize, usize, usize, usize) {
    let (left, top) = (usize::from(frame.left), usize::from(frame.top));
    let (sw, sh) = (screen.width as usize, screen.height as usize);
    let width = usize::from(frame.width).min(sw.saturating_sub(left));
    let height = usize::from(frame.height).min(sh.saturating_sub(top));
    (left, top, width, height)
}

fn blend_gif_frame(screen: &mut Pixels, frame: &gif::Frame<'_>) {
    let (left, top, width, height) = gif_rect(screen, frame);
    let stride = usize::from(frame.width) * 4;
    for y in 0..height {
        for x in 0..width {
            let from = y * stride + x * 4;
            let Some(px) = frame.buffer.get(from..from + 4) else {
                return;
            };
            if px[3] == 0 {
                continue;
            }
            let to = ((top + y) * screen.width as usize + left + x) * 4;
            screen.data[to..to + 4].copy_from_slice(px);
        }
    }
}

fn clear_rect(screen: &mut Pixels, frame: &gif::Frame<'_>) {
    let (left, top, width, height) = gif_rect(screen, frame);
    for y in top..top + height {
        let start = (y * screen.width as usize + left) * 4;
        screen.data[start..start + width * 4].fill(0);
    }
}

fn decode_webp(bytes: &[u8]) -> Result<Pixels, DecodeError> {
    let features = webp::BitstreamFeatures::new(bytes)
        .ok_or_else(|| DecodeError::Corrupt("unreadable WebP header".into()))?;
    if features.has_animation() {
        return Err(DecodeError::Unsupported("animated WebP"));
    }
    let image = webp::Decoder::new(bytes)
        .decode()
        .ok_or_else(|| DecodeError::Corrupt("broken WebP data".into()))?;
    Ok(Pixels {
        width: image.width(),
        height: image.height(),
        channels: if image.is_alpha() { 4 } else { 3 },
        data: image.to_vec(),
    })
}

/// Converts from the embedded colour profile to sRGB, which is what browsers assume of
/// untagged images (our output carries no profile).
fn to_srgb(mut pixels: Pixels, icc: Option<&[u8]>) -> Pixels {
    let Some(profile) = icc.and_then(|bytes| qcms::Profile::new_from_slice(bytes, false)) else {
        return pixels;
    };
    if profile.is_sRGB() {
        return pixels;
    }
    let kind = if pixels.has_alpha() {
        qcms::DataType::RGBA8
    } else {
        qcms::DataType::RGB8
    };
    let srgb = qcms::Profile::new_sRGB();
    if let Some(transform) = qcms::Transform::new(&profile, &srgb, kind, qcms::Intent::Perceptual) {
        transform.apply(&mut pixels.data);
    }
    pixels
}

/// The EXIF orientation (1–8), or 1 when there is none or it makes no sense.
fn exif_orientation(bytes: &[u8]) -> u8 {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return 1;
    };
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        .and_then(|o| u8::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1)
}

/// A PNG has alpha when its colour type carries it or a `tRNS` chunk makes a colour transparent.
fn png_has_alpha(bytes: &[u8]) -> bool {
    let colour_type = bytes.get(25).copied().unwrap_or(0);
    if colour_type == 4 || colour_type == 6 {
        return true;
    }
    png_chunks(bytes).any(|(name, _)| name == b"tRNS")
}

/// The chunks of a PNG up to its image data: name and contents.
fn png_chunks(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = 8;
    std::iter::from_fn(move || {
        let length = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let name = bytes.get(at + 4..at + 8)?;
        if name == b"IDAT" {
            return None;
        }
        let body = bytes.get(at + 8..at + 8 + length)?;
        at += 12 + length;
        Some((name, body))
    })
}

/// Whether a JPEG's colours are sRGB already: no profile, or one that describes sRGB.
pub fn jpeg_is_srgb(bytes: &[u8]) -> bool {
    jpeg_icc_profile(bytes)
        .is_none_or(|icc| qcms::Profile::new_from_slice(&icc, false).is_some_and(|p| p.is_sRGB()))
}

/// The ICC profile of a JPEG, carried in numbered `APP2 ICC_PROFILE` segments.
fn jpeg_icc_profile(bytes: &[u8]) -> Option<Vec<u8>> {
    const TAG: &[u8] = b"ICC_PROFILE\0";
    let mut parts: Vec<(u8, &[u8])> = jpeg_segments(bytes)
        .filter(|(marker, _)| *marker == 0xE2)
        .filter_map(|(_, body)| body.strip_prefix(TAG))
        .filter_map(|rest| Some((*rest.first()?, rest.get(2..)?)))
        .collect();
    if parts.is_empty() {
        return None;
    }
    parts.sort_by_key(|(sequence, _)| *sequence);
    Some(
        parts
            .into_iter()
            .flat_map(|(_, data)| data.to_vec())
            .collect(),
    )
}

/// The marker segments before the image data: marker byte and contents.
fn jpeg_segments(bytes: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut at = 2;
    std::iter::from_fn(move || {
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if bytes.get(at) != Some(&0xFF) {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let body = bytes.get(at + 4..at + 2 + length)?;
        at += 2 + length;
        Some((marker, body))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_reads_bytes_not_names() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Kind::Jpeg));
        assert_eq!(sniff(b"GIF89a...."), Some(Kind::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"<!doctype html><html>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_huge_header_is_refused_before_decoding() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            read_header(&png, 50_000_000).expect_err("too big"),
            DecodeError::TooManyPixels {
                width: 100_000,
                height: 100_000
            }
        );
    }

    /// A minimal ICC v2 display profile: gamma 2.2 and the given D50 colorants.
    fn icc_profile(red: [f64; 3], green: [f64; 3], blue: [f64; 3]) -> Vec<u8> {
        let xyz = |v: [f64; 3]| {
            let mut tag = b"XYZ \0\0\0\0".to_vec();
            for c in v {
                tag.extend_from_slice(&((c * 65536.0).round() as i32).to_be_bytes());
            }
            tag
        };
        let curve = b"curv\0\0\0\0\0\0\0\x01\x02\x33\0\0".to_vec();
        let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
            (b"wtpt", xyz([0.9642, 1.0, 0.8249])),
            (b"rXYZ", xyz(red)),
            (b"gXYZ", xyz(green)),
            (b"bXYZ", xyz(blue)),
            (b"rTRC", curve.clone()),
            (b"gTRC", curve.clone()),
            (b"bTRC", curve),
        ];
        let table_end = 128 + 4 + 12 * tags.len();
        let mut data = Vec::new();
        let mut table = (tags.len() as u32).to_be_bytes().to_vec();
        for (name, body) in &tags {
            table.extend_from_slice(*name);
            table.extend_from_slice(&((table_end + data.len()) as u32).to_be_bytes());
            table.extend_from_slice(&(body.len() as u32).to_be_bytes());
            data.extend_from_slice(body);
        }
        let mut header = vec![0u8; 128];
        header[0..4].copy_from_slice(&((table_end + data.len()) as u32).to_be_bytes());
        header[8..12].copy_from_slice(&[2, 0x10, 0, 0]);
        header[12..16].copy_from_slice(b"mntr");
        header[16..20].copy_from_slice(b"RGB ");
        header[20..24].copy_from_slice(b"XYZ ");
        header[36..40].copy_from_slice(b"acsp");
        header[68..80].copy_from_slice(&xyz([0.9642, 1.0, 0.8249])[8..]);
        [header, table, data].concat()
    }

    #[test]
    fn embedded_profiles_are_converted_to_srgb() {
        let (red, green, blue) = (
            [0.4361, 0.2225, 0.0139],
            [0.3851, 0.7169, 0.0971],
            [0.1431, 0.0606, 0.7141],
        );
        let swapped = icc_profile(blue, green, red);
        let pixel = |icc: Option<&[u8]>| {
            let p = Pixels {
                width: 1,
                height: 1,
                channels: 3,
                data: vec![255, 0, 0],
            };
            to_srgb(p, icc).data
        };
        assert_eq!(pixel(None), vec![255, 0, 0], "untagged means sRGB");
        let converted = pixel(Some(&swapped));
        assert!(
            converted[2] > 200 && converted[0] < 60,
            "red in a profile whose red is blue: {converted:?}"
        );
        let same = pixel(Some(&icc_profile(red, green, blue)));
        assert!(same[0] > 200 && same[2] < 60, "{same:?}");
        assert_eq!(
            pixel(Some(b"not a profile")),
            vec![255, 0, 0],
            "a broken profile is ignored"
        );
    }

    #[test]
    fn icc_segments_are_joined_in_order() {
        let segment = |seq: u8, data: &[u8]| {
            let mut body = b"ICC_PROFILE\0".to_vec();
            body.extend_from_slice(&[seq, 2]);
            body.extend_from_slice(data);
            let mut s = vec![0xFF, 0xE2];
            s.extend_from_slice(&u16::try_from(body.len() + 2).expect("small").to_be_bytes());
            s.extend_from_slice(&body);
            s
        };
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(segment(2, b"world"));
        jpeg.extend(segment(1, b"hello "));
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        assert_eq!(jpeg_icc_profile(&jpeg), Some(b"hello world".to_vec()));
    }
}
