//! What an uploaded file really is, read from its header bytes rather than its name: only
//! JPEG, PNG, WebP, GIF and AVIF images of a sane size are accepted, and nothing is decoded.

use imagesize::{Compression, ImageType};

/// Images larger than this many pixels are refused before anything could decode them.
pub const MAX_PIXELS: u64 = 50_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspected {
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

pub fn inspect(bytes: &[u8]) -> Result<Inspected, String> {
    let not_an_image = || "the file is not a JPEG, PNG, WebP, GIF or AVIF image".to_string();
    let kind = imagesize::image_type(bytes).map_err(|_| not_an_image())?;
    let extension = match kind {
        ImageType::Jpeg => "jpg",
        ImageType::Png => "png",
        ImageType::Webp => "webp",
        ImageType::Gif => "gif",
        ImageType::Heif(Compression::Av1) => "avif",
        _ => return Err(not_an_image()),
    };
    let size = imagesize::blob_size(bytes)
        .map_err(|_| "the image's header is damaged or incomplete".to_string())?;
    let (width, height) = (
        u32::try_from(size.width).map_err(|_| "the image is too wide".to_string())?,
        u32::try_from(size.height).map_err(|_| "the image is too tall".to_string())?,
    );
    if width == 0 || height == 0 {
        return Err("the image has no pixels".into());
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "the image is {width}×{height}, more than {} megapixels",
            MAX_PIXELS / 1_000_000
        ));
    }
    Ok(Inspected {
        extension,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG signature and IHDR chunk claiming the given size (no pixel data needed).
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        v
    }

    #[test]
    fn headers_decide_not_names() {
        assert_eq!(
            inspect(&png_header(640, 480)),
            Ok(Inspected {
                extension: "png",
                width: 640,
                height: 480
            })
        );
        assert!(inspect(b"<html>not an image</html>").is_err());
        let bomb = inspect(&png_header(100_000, 100_000)).unwrap_err();
        assert!(bomb.contains("megapixels"), "{bomb}");
        assert!(inspect(&png_header(0, 10)).is_err());
    }
}
