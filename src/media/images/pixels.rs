//! An image in memory, 8 bits per channel, RGB or RGBA, rows packed; and the edits the pipeline
//! makes to it between decoding and resampling.

#[derive(Debug, Clone)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: u8,
    pub data: Vec<u8>,
}

impl Pixels {
    pub fn has_alpha(&self) -> bool {
        self.channels == 4
    }

    /// A canvas of one colour.
    pub fn filled(width: u32, height: u32, colour: &[u8]) -> Pixels {
        let count = width as usize * height as usize;
        Pixels {
            width,
            height,
            channels: u8::try_from(colour.len()).unwrap_or(4),
            data: colour.repeat(count),
        }
    }

    /// Turns the image upright by its EXIF orientation (1–8).
    pub fn orient(self, orientation: u8) -> Pixels {
        if !(2..=8).contains(&orientation) {
            return self;
        }
        let (w, h, c) = (
            self.width as usize,
            self.height as usize,
            self.channels as usize,
        );
        let swapped = orientation >= 5;
        let (dw, dh) = if swapped { (h, w) } else { (w, h) };
        let mut data = vec![0; self.data.len()];
        for dy in 0..dh {
            for dx in 0..dw {
                let (sx, sy) = match orientation {
                    2 => (w - 1 - dx, dy),
                    3 => (w - 1 - dx, h - 1 - dy),
                    4 => (dx, h - 1 - dy),
                    5 => (dy, dx),
                    6 => (dy, h - 1 - dx),
                    7 => (w - 1 - dy, h - 1 - dx),
                    _ => (w - 1 - dy, dx),
                };
                let from = (sy * w + sx) * c;
                let to = (dy * dw + dx) * c;
                data[to..to + c].copy_from_slice(&self.data[from..from + c]);
            }
        }
        Pixels {
            width: u32::try_from(dw).unwrap_or(self.height),
            height: u32::try_from(dh).unwrap_or(self.width),
            channels: self.channels,
            data,
        }
    }

    /// Lays the image over a solid background and drops the alpha channel.
    pub fn flatten(self, background: [u8; 3]) -> Pixels {
        if !self.has_alpha() {
            return self;
        }
        let mut data = Vec::with_capacity(self.data.len() / 4 * 3);
        for px in self.data.chunks_exact(4) {
            let a = u32::from(px[3]);
            for (channel, bg) in px[..3].iter().zip(background) {
                let mixed = (u32::from(*channel) * a + u32::from(bg) * (255 - a) + 127) / 255;
                data.push(u8::try_from(mixed).unwrap_or(u8::MAX));
            }
        }
        Pixels {
            width: self.width,
            height: self.height,
            channels: 3,
            data,
        }
    }

    /// Adds an opaque alpha channel.
    pub fn with_alpha(self) -> Pixels {
        if self.has_alpha() {
            return self;
        }
        let mut data = Vec::with_capacity(self.data.len() / 3 * 4);
        for px in self.data.chunks_exact(3) {
            data.extend_from_slice(px);
            data.push(255);
        }
        Pixels {
            width: self.width,
            height: self.height,
            channels: 4,
            data,
        }
    }

    /// Copies `self` onto `canvas` at `offset`; both have the same channels.
    pub fn place_on(&self, canvas: &mut Pixels, offset: (u32, u32)) {
        let c = self.channels as usize;
        let row = self.width as usize * c;
        for y in 0..self.height as usize {
            let from = y * row;
            let to = ((y + offset.1 as usize) * canvas.width as usize + offset.0 as usize) * c;
            canvas.data[to..to + row].copy_from_slice(&self.data[from..from + row]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3 × 2 image whose red channel numbers the pixels 1–6 row by row.
    fn numbered() -> Pixels {
        let data = (1..=6u8).flat_map(|n| [n, 0, 0]).collect();
        Pixels {
            width: 3,
            height: 2,
            channels: 3,
            data,
        }
    }

    fn reds(p: &Pixels) -> Vec<u8> {
        p.data.chunks_exact(3).map(|px| px[0]).collect()
    }

    #[test]
    fn each_orientation_turns_the_image_upright() {
        // Source rows: [1 2 3] [4 5 6].
        let cases: [(u8, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [1, 2, 3, 4, 5, 6]),
            (2, (3, 2), [3, 2, 1, 6, 5, 4]),
            (3, (3, 2), [6, 5, 4, 3, 2, 1]),
            (4, (3, 2), [4, 5, 6, 1, 2, 3]),
            (5, (2, 3), [1, 4, 2, 5, 3, 6]),
            (6, (2, 3), [4, 1, 5, 2, 6, 3]),
            (7, (2, 3), [6, 3, 5, 2, 4, 1]),
            (8, (2, 3), [3, 6, 2, 5, 1, 4]),
        ];
        for (orientation, size, expected) in cases {
            let turned = numbered().orient(orientation);
            assert_eq!((turned.width, turned.height), size, "{orientation}");
            assert_eq!(reds(&turned), expected, "{orientation}");
        }
    }

    #[test]
    fn flattening_mixes_with_the_background() {
        let p = Pixels {
            width: 2,
            height: 1,
            channels: 4,
            data: vec![200, 100, 0, 255, 200, 100, 0, 0],
        };
        let flat = p.flatten([0, 0, 255]);
        assert_eq!(flat.data, vec![200, 100, 0, 0, 0, 255]);
    }
}
