//! Where the output's pixels come from: which part of the source, scaled to what size, placed
//! where on the canvas. Pure arithmetic, so every fit × size × dpr can be tested without pixels.

use super::params::{Fit, Transform};

/// A region of the source, in source pixels; fractional so a shrink-on-load decode can scale it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub region: Region,
    /// The size the region is resampled to.
    pub scaled: (u32, u32),
    /// The output; larger than `scaled` only with `fit=pad`.
    pub canvas: (u32, u32),
    /// Where the scaled region sits on the canvas.
    pub offset: (u32, u32),
}

impl Plan {
    /// The JPEG decoder's DCT shrink (1, 2, 4 or 8) by libvips' rule: the largest that still
    /// leaves at least twice the target size for the resampler, so quality is kept.
    pub fn decode_shrink(&self) -> u32 {
        let ratio = (self.region.width / f64::from(self.scaled.0))
            .min(self.region.height / f64::from(self.scaled.1));
        match ratio {
            r if r >= 16.0 => 8,
            r if r >= 8.0 => 4,
            r if r >= 4.0 => 2,
            _ => 1,
        }
    }
}

/// Plans the output for a source of `source` pixels (already turned upright). `focus` is the
/// point, in fractions of the width and height, that `gravity=poi` keeps in view. No output is
/// larger than the source times the `dpr` asked for: enlarging adds no detail, and a request for
/// a 4096-pixel AVIF of a thumbnail would cost seconds of CPU for nothing.
pub fn plan(source: (u32, u32), t: &Transform, focus: (f64, f64), max_side: u32) -> Plan {
    within_source(as_asked(source, t, focus, max_side), source, t.dpr)
}

/// The plan for exactly what was asked, within `max_side`.
fn as_asked(source: (u32, u32), t: &Transform, focus: (f64, f64), max_side: u32) -> Plan {
    let (sw, sh) = (f64::from(source.0), f64::from(source.1));
    let whole = Region {
        x: 0.0,
        y: 0.0,
        width: sw,
        height: sh,
    };
    let simple = |scaled: (u32, u32)| Plan {
        region: whole,
        scaled,
        canvas: scaled,
        offset: (0, 0),
    };
    let width = t.width.map(|w| t.device_pixels(w));
    let height = t.height.map(|h| t.device_pixels(h));
    let (bw, bh) = match (width, height) {
        (None, None) => return simple(cap(source, max_side)),
        (Some(w), None) => {
            let size = if t.fit == Fit::ScaleDown && w >= source.0 {
                source
            } else {
                (w, scale(sh, f64::from(w) / sw))
            };
            return simple(cap(size, max_side));
        }
        (None, Some(h)) => {
            let size = if t.fit == Fit::ScaleDown && h >= source.1 {
                source
            } else {
                (scale(sw, f64::from(h) / sh), h)
            };
            return simple(cap(size, max_side));
        }
        (Some(w), Some(h)) => cap((w, h), max_side),
    };
    let (fw, fh) = (f64::from(bw), f64::from(bh));
    let inside = (fw / sw).min(fh / sh);
    match t.fit {
        Fit::Fill => simple((bw, bh)),
        Fit::Contain => simple((scale(sw, inside), scale(sh, inside))),
        Fit::ScaleDown => {
            let s = inside.min(1.0);
            simple((scale(sw, s), scale(sh, s)))
        }
        Fit::Pad => {
            let scaled = (scale(sw, inside).min(bw), scale(sh, inside).min(bh));
            Plan {
                region: whole,
                scaled,
                canvas: (bw, bh),
                offset: ((bw - scaled.0) / 2, (bh - scaled.1) / 2),
            }
        }
        Fit::Cover => {
            let s = (fw / sw).max(fh / sh);
            let (cw, ch) = ((fw / s).min(sw), (fh / s).min(sh));
            let place = |focus: f64, crop: f64, full: f64| {
                (focus * full - crop / 2.0).clamp(0.0, full - crop)
            };
            Plan {
                region: Region {
                    x: place(focus.0, cw, sw),
                    y: place(focus.1, ch, sh),
                    width: cw,
                    height: ch,
                },
                scaled: (bw, bh),
                canvas: (bw, bh),
                offset: (0, 0),
            }
        }
    }
}

fn scale(length: f64, factor: f64) -> u32 {
    // Output sizes are bounded by `max_side`, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let px = (length * factor).round() as u32;
    px.max(1)
}

/// The plan shrunk, framing kept, until its canvas is no larger than the source's sides times
/// `dpr` (in hundredths).
fn within_source(plan: Plan, source: (u32, u32), dpr: u16) -> Plan {
    let room = |side: u32| f64::from(side) * f64::from(dpr) / 100.0;
    let factor =
        (room(source.0) / f64::from(plan.canvas.0)).min(room(source.1) / f64::from(plan.canvas.1));
    if factor >= 1.0 {
        return plan;
    }
    let shrink = |(w, h): (u32, u32)| (scale(f64::from(w), factor), scale(f64::from(h), factor));
    let (scaled, canvas) = (shrink(plan.scaled), shrink(plan.canvas));
    let scaled = (scaled.0.min(canvas.0), scaled.1.min(canvas.1));
    Plan {
        region: plan.region,
        scaled,
        canvas,
        offset: ((canvas.0 - scaled.0) / 2, (canvas.1 - scaled.1) / 2),
    }
}

/// Shrinks a size, keeping its shape, until neither side exceeds `max_side`.
fn cap(size: (u32, u32), max_side: u32) -> (u32, u32) {
    let longest = size.0.max(size.1);
    if longest <= max_side {
        return size;
    }
    let factor = f64::from(max_side) / f64::from(longest);
    (
        scale(f64::from(size.0), factor).min(max_side),
        scale(f64::from(size.1), factor).min(max_side),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CENTRE: (f64, f64) = (0.5, 0.5);

    fn plan_for(query: &str, source: (u32, u32)) -> Plan {
        plan(source, &Transform::parse(query).expect(query), CENTRE, 4096)
    }

    #[test]
    fn every_fit_with_both_sides() {
        let src = (2000, 1000);
        let cases = [
            ("cover", (400, 400), (400, 400)),
            ("contain", (400, 200), (400, 200)),
            ("fill", (400, 400), (400, 400)),
            ("scale-down", (400, 200), (400, 200)),
            ("pad", (400, 200), (400, 400)),
        ];
        for (fit, scaled, canvas) in cases {
            let p = plan_for(&format!("width=400&height=400&fit={fit}"), src);
            assert_eq!((p.scaled, p.canvas), (scaled, canvas), "{fit}");
        }
        let pad = plan_for("width=400&height=400&fit=pad", src);
        assert_eq!(pad.offset, (0, 100));
    }

    #[test]
    fn cover_crops_the_middle_or_around_the_focal_point() {
        let p = plan_for("width=400&height=400&fit=cover", (2000, 1000));
        assert_eq!(
            p.region,
            Region {
                x: 500.0,
                y: 0.0,
                width: 1000.0,
                height: 1000.0
            }
        );
        let t = Transform::parse("width=400&height=400&gravity=poi").expect("valid");
        let left = plan((2000, 1000), &t, (0.1, 0.5), 4096);
        assert_eq!(left.region.x, 0.0, "clamped inside the image");
        let right = plan((2000, 1000), &t, (0.7, 0.5), 4096);
        assert_eq!(right.region.x, 900.0);
    }

    #[test]
    fn one_side_keeps_the_shape_and_scale_down_never_enlarges() {
        assert_eq!(plan_for("width=700", (1920, 1280)).scaled, (700, 467));
        assert_eq!(plan_for("height=100", (1920, 1280)).scaled, (150, 100));
        assert_eq!(
            plan_for("width=3000&fit=scale-down", (1920, 1280)).scaled,
            (1920, 1280)
        );
        assert_eq!(
            plan_for("width=3000&fit=contain", (1920, 1280)).scaled,
            (1920, 1280),
            "no fit enlarges past the source"
        );
        assert_eq!(
            plan_for("width=3000&height=3000&fit=scale-down", (1920, 1280)).scaled,
            (1920, 1280)
        );
    }

    #[test]
    fn dpr_multiplies_and_the_output_is_capped() {
        assert_eq!(
            plan_for("width=700&dpr=2", (4000, 3000)).scaled,
            (1400, 1050)
        );
        assert_eq!(
            plan_for("width=700&dpr=1.5", (4000, 3000)).scaled,
            (1050, 788)
        );
        assert_eq!(
            plan_for("width=3000&dpr=3", (9000, 6000)).scaled,
            (4096, 2731)
        );
        assert_eq!(plan_for("", (8000, 2000)).scaled, (4096, 1024));
        let both = plan_for("width=3000&height=1000&dpr=3&fit=fill", (3000, 3000));
        assert_eq!(both.canvas, (4096, 1365));
    }

    #[test]
    fn nothing_grows_past_the_source_times_dpr() {
        let small = (256, 256);
        for fit in ["cover", "contain", "fill", "pad", "scale-down"] {
            let p = plan_for(&format!("width=2048&height=2048&fit={fit}"), small);
            assert_eq!(p.canvas, (256, 256), "{fit}");
            let dense = plan_for(&format!("width=2048&height=1024&fit={fit}&dpr=2"), small);
            assert!(
                dense.canvas.0 <= 512 && dense.canvas.1 <= 512,
                "{fit} {dense:?}"
            );
        }
        assert_eq!(
            plan_for("width=200&dpr=2", small).scaled,
            (400, 400),
            "a retina copy may be up to twice the source"
        );
        assert_eq!(
            plan_for("width=100&height=300&fit=fill", small).canvas,
            (85, 256)
        );
    }

    #[test]
    fn shrink_on_load_leaves_twice_the_target() {
        let shrink = |w| plan_for(&format!("width={w}"), (3200, 2400)).decode_shrink();
        assert_eq!(shrink(1600), 1);
        assert_eq!(shrink(800), 2);
        assert_eq!(shrink(700), 2);
        assert_eq!(shrink(400), 4);
        assert_eq!(shrink(200), 8);
    }
}
