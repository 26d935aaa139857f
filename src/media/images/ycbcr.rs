//! The common case on a news site, a JPEG photograph out as a JPEG, taken without ever
//! converting to RGB: libjpeg-turbo decodes to its Y, Cb and Cr planes (still shrinking on load),
//! each plane is resampled on its own (the chroma planes are a quarter of the pixels), and the
//! encoder takes the planes as they are. That skips two colour conversions and chroma
//! upsampling, most of the decoder's work besides entropy decoding and the IDCT.

use fast_image_resize as fir;
use turbojpeg::{
    Colorspace, Compressor, Decompressor, ScalingFactor, Subsamp, YuvImage, YuvPlanesImage,
};

use super::geometry::{Plan, Region};
use super::pipeline::RenderError;

/// libvips keeps full chroma from this quality up (see the encoder).
const FULL_CHROMA_FROM: u8 = 90;
const SCAN_LIMIT: u32 = 100;

/// Renders a JPEG source to JPEG through its YCbCr planes; `None` when the source's colour
/// space (greyscale, CMYK) needs the RGB route. `upright` is the source size (no rotation
/// applies on this route).
pub fn render(
    bytes: &[u8],
    plan: &Plan,
    upright: (u32, u32),
    shrink: u32,
    quality: u8,
) -> Result<Option<Vec<u8>>, RenderError> {
    let failed = |e: &dyn std::fmt::Display| RenderError::Failed(format!("JPEG planes: {e}"));
    let corrupt = |e: turbojpeg::Error| {
        RenderError::Source(super::decode::DecodeError::Corrupt(e.to_string()))
    };
    let mut decompressor = Decompressor::new().map_err(|e| failed(&e))?;
    decompressor
        .set_scan_limit(SCAN_LIMIT)
        .map_err(|e| failed(&e))?;
    let header = decompressor.read_header(bytes).map_err(corrupt)?;
    let sub = header.subsamp;
    if header.colorspace != Colorspace::YCbCr || matches!(sub, Subsamp::Gray | Subsamp::Unknown) {
        return Ok(None);
    }
    let factor = ScalingFactor::new(1, shrink as usize);
    decompressor
        .set_scaling_factor(factor)
        .map_err(|e| failed(&e))?;
    let scaled = header.scaled(factor);
    let (w, h) = (scaled.width, scaled.height);
    let length = turbojpeg::yuv_pixels_len(w, 1, h, sub).map_err(|e| failed(&e))?;
    let mut buffer = vec![0; length];
    let layout = YuvImage {
        pixels: (),
        width: w,
        align: 1,
        height: h,
        subsamp: sub,
    };
    decompressor
        .decompress_to_yuv(
            bytes,
            YuvImage {
                pixels: &mut buffer[..],
                width: w,
                align: 1,
                height: h,
                subsamp: sub,
            },
        )
        .map_err(corrupt)?;
    let (y_stride, y_rows) = layout.y_size();
    let (c_stride, c_rows) = layout.uv_size();
    let (y, chroma) = buffer.split_at(y_stride * y_rows);
    let (cb, cr) = chroma.split_at(c_stride * c_rows);

    let out_sub = if quality >= FULL_CHROMA_FROM {
        Subsamp::None
    } else {
        Subsamp::Sub2x2
    };
    let (ow, oh) = (plan.scaled.0 as usize, plan.scaled.1 as usize);
    let (ocw, och) = (ow.div_ceil(out_sub.width()), oh.div_ceil(out_sub.height()));
    let luma = Plane {
        data: y,
        stride: y_stride,
        rows: y_rows,
        valid: (w, h),
    };
    let valid_chroma = (w.div_ceil(sub.width()), h.div_ceil(sub.height()));
    // The encoder reads luma in whole subsampling blocks: an odd edge is repeated to fill one.
    let (pw, ph) = (
        ow.next_multiple_of(out_sub.width()),
        oh.next_multiple_of(out_sub.height()),
    );
    let y_out = pad(
        luma.resample(plan.region, upright, (ow, oh))?,
        (ow, oh),
        (pw, ph),
    );
    let [cb_out, cr_out] = [cb, cr].map(|data| {
        Plane {
            data,
            stride: c_stride,
            rows: c_rows,
            valid: valid_chroma,
        }
        .resample(plan.region, upright, (ocw, och))
    });
    let (cb_out, cr_out) = (cb_out?, cr_out?);
    let mut compressor = Compressor::new().map_err(|e| failed(&e))?;
    compressor
        .set_quality(i32::from(quality))
        .map_err(|e| failed(&e))?;
    compressor
        .compress_yuv_planes_to_vec(&YuvPlanesImage {
            y_plane: &y_out[..],
            u_plane: &cb_out[..],
            v_plane: &cr_out[..],
            width: ow,
            height: oh,
            y_stride: pw,
            u_stride: ocw,
            v_stride: ocw,
            subsamp: out_sub,
        })
        .map(Some)
        .map_err(|e| failed(&e))
}

/// Extends a `size` plane to `padded` by repeating its last column and row.
fn pad(plane: Vec<u8>, size: (usize, usize), padded: (usize, usize)) -> Vec<u8> {
    if size == padded {
        return plane;
    }
    let (w, h) = size;
    let mut out = Vec::with_capacity(padded.0 * padded.1);
    for row in plane.chunks_exact(w) {
        out.extend_from_slice(row);
        out.extend(std::iter::repeat_n(row[w - 1], padded.0 - w));
    }
    let last = out[(h - 1) * padded.0..].to_vec();
    for _ in h..padded.1 {
        out.extend_from_slice(&last);
    }
    out
}

/// One decoded plane: `stride` × `rows` bytes, of which `valid` (width, height) is image.
struct Plane<'a> {
    data: &'a [u8],
    stride: usize,
    rows: usize,
    valid: (usize, usize),
}

impl Plane<'_> {
    /// Resamples the plan's region (in source pixels) to `size` with Lanczos-3.
    fn resample(
        &self,
        region: Region,
        upright: (u32, u32),
        size: (usize, usize),
    ) -> Result<Vec<u8>, RenderError> {
        let failed = |e: &dyn std::fmt::Display| RenderError::Failed(format!("resize: {e}"));
        let kx = self.valid.0 as f64 / f64::from(upright.0);
        let ky = self.valid.1 as f64 / f64::from(upright.1);
        let (x, y) = (region.x * kx, region.y * ky);
        let width = (region.width * kx).min(self.valid.0 as f64 - x);
        let height = (region.height * ky).min(self.valid.1 as f64 - y);
        let dims = |n: usize| u32::try_from(n).map_err(|e| failed(&e));
        let source = fir::images::ImageRef::new(
            dims(self.stride)?,
            dims(self.rows)?,
            self.data,
            fir::PixelType::U8,
        )
        .map_err(|e| failed(&e))?;
        let mut target = fir::images::Image::new(dims(size.0)?, dims(size.1)?, fir::PixelType::U8);
        let options = fir::ResizeOptions::new()
            .resize_alg(super::lanczos::lanczos3())
            .crop(x, y, width, height);
        fir::Resizer::new()
            .resize(&source, &mut target, &options)
            .map_err(|e| failed(&e))?;
        Ok(target.into_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_repeats_the_last_column_and_row() {
        let padded = pad(vec![1, 2, 3, 4, 5, 6], (3, 2), (4, 4));
        assert_eq!(padded, [1, 2, 3, 3, 4, 5, 6, 6, 4, 5, 6, 6, 4, 5, 6, 6]);
        assert_eq!(pad(vec![9; 4], (2, 2), (2, 2)), vec![9; 4]);
    }
}
