//! Photographs for the demo newsroom, painted procedurally: layered ridges under a sky with a
//! sun and haze, a textured foreground and sensor grain. They are real JPEGs of photographic
//! size and entropy, so the image service has real decoding and resizing work to do.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub const WIDTH: u32 = 1920;
pub const HEIGHT: u32 = 1280;
pub const AVATAR_SIZE: u32 = 256;

/// 1-D value noise over a fixed lattice, smoothly interpolated; summed over octaves (fBm) it
/// gives ridge lines that look like terrain.
struct Noise {
    lattice: Vec<f32>,
}

impl Noise {
    fn new(rng: &mut ChaCha8Rng) -> Self {
        Noise {
            lattice: (0..512).map(|_| rng.random::<f32>()).collect(),
        }
    }

    fn value(&self, x: f32) -> f32 {
        let i = x.floor();
        let t = x - i;
        let t = t * t * (3.0 - 2.0 * t);
        let n = self.lattice.len();
        let a = self.lattice[(i as i64).rem_euclid(n as i64) as usize];
        let b = self.lattice[((i as i64) + 1).rem_euclid(n as i64) as usize];
        a + (b - a) * t
    }

    fn fbm(&self, x: f32, octaves: u32) -> f32 {
        let (mut sum, mut amp, mut freq, mut norm) = (0.0, 1.0, 1.0, 0.0);
        for _ in 0..octaves {
            sum += self.value(x * freq) * amp;
            norm += amp;
            amp *= 0.5;
            freq *= 2.03;
        }
        sum / norm
    }
}

type Rgb = [f32; 3];

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// A cheap per-pixel hash for grain, so the texture is fixed by the seed and costs no RNG call.
fn grain(x: u32, y: u32, seed: u32) -> f32 {
    let mut h = x
        .wrapping_mul(374_761_393)
        .wrapping_add(y.wrapping_mul(668_265_263))
        .wrapping_add(seed.wrapping_mul(2_246_822_519));
    h = (h ^ (h >> 13)).wrapping_mul(1_274_126_177);
    h ^= h >> 16;
    (h & 0xffff) as f32 / 65_535.0 - 0.5
}

struct Scene {
    sky_top: Rgb,
    sky_horizon: Rgb,
    sun: (f32, f32, f32),
    sun_colour: Rgb,
    ridge_near: Rgb,
    ground: Rgb,
    ridges: Vec<Vec<f32>>,
    ground_line: f32,
    grain_seed: u32,
}

fn random_colour(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> Rgb {
    [
        rng.random_range(lo..hi),
        rng.random_range(lo..hi),
        rng.random_range(lo..hi),
    ]
}

fn scene(rng: &mut ChaCha8Rng, width: u32, height: u32) -> Scene {
    let palettes: [(Rgb, Rgb); 5] = [
        ([40.0, 90.0, 170.0], [200.0, 220.0, 235.0]),
        ([70.0, 50.0, 120.0], [250.0, 170.0, 110.0]),
        ([20.0, 30.0, 70.0], [230.0, 120.0, 90.0]),
        ([110.0, 150.0, 190.0], [235.0, 235.0, 225.0]),
        ([60.0, 110.0, 140.0], [250.0, 210.0, 160.0]),
    ];
    let (top, horizon) = palettes[rng.random_range(0..palettes.len())];
    let tint = random_colour(rng, -18.0, 18.0);
    let noise = Noise::new(rng);
    let layers = rng.random_range(3..=5);
    let ridges = (0..layers)
        .map(|layer| {
            let depth = layer as f32 / layers as f32;
            let base = 0.38 + depth * 0.3;
            let amplitude = 0.22 - depth * 0.1;
            let scale = rng.random_range(2.0..5.0) * (1.0 + depth);
            let offset = rng.random_range(0.0..200.0);
            (0..width)
                .map(|x| {
                    let u = x as f32 / width as f32;
                    let h = noise.fbm(u * scale + offset, 6);
                    (base + (h - 0.5) * amplitude * 2.0) * height as f32
                })
                .collect()
        })
        .collect();
    Scene {
        sky_top: mix(top, tint, 0.1),
        sky_horizon: horizon,
        sun: (
            rng.random_range(0.15..0.85) * width as f32,
            rng.random_range(0.12..0.4) * height as f32,
            rng.random_range(0.025..0.05) * width as f32,
        ),
        sun_colour: [255.0, 236.0, 200.0],
        ridge_near: random_colour(rng, 20.0, 70.0),
        ground: random_colour(rng, 40.0, 110.0),
        ridges,
        ground_line: rng.random_range(0.78..0.88) * height as f32,
        grain_seed: rng.random(),
    }
}

fn pixel(s: &Scene, x: u32, y: u32, height: u32) -> Rgb {
    let fy = y as f32;
    let t = fy / height as f32;
    let mut colour = mix(s.sky_top, s.sky_horizon, (t * 1.6).powf(0.8));
    let (sx, sy, sr) = s.sun;
    let d = ((x as f32 - sx).powi(2) + (fy - sy).powi(2)).sqrt();
    if d < sr {
        colour = s.sun_colour;
    } else {
        colour = mix(colour, s.sun_colour, (sr * 4.0 / d).powi(2) * 0.35);
    }
    let layers = s.ridges.len() as f32;
    for (i, ridge) in s.ridges.iter().enumerate() {
        if fy >= ridge[x as usize] {
            let nearness = (i + 1) as f32 / layers;
            let haze = 1.0 - nearness;
            let shade = ((fy - ridge[x as usize]) / height as f32 * 2.5).min(0.6);
            let rock = mix(s.ridge_near, [0.0, 0.0, 0.0], shade);
            colour = mix(rock, s.sky_horizon, haze * 0.75);
        }
    }
    if fy >= s.ground_line {
        let depth = (fy - s.ground_line) / (height as f32 - s.ground_line);
        let stripes = ((x as f32 * 0.013 + fy * 0.11).sin() * 0.5 + 0.5) * 14.0;
        colour = mix(
            mix(s.sky_horizon, s.ground, 0.7 + depth * 0.3),
            [0.0, 0.0, 0.0],
            depth * 0.3,
        );
        colour = [
            colour[0] + stripes,
            colour[1] + stripes,
            colour[2] + stripes * 0.5,
        ];
    }
    let g = grain(x, y, s.grain_seed) * 16.0;
    [colour[0] + g, colour[1] + g, colour[2] + g]
}

fn render(rng: &mut ChaCha8Rng, width: u32, height: u32) -> Vec<u8> {
    let s = scene(rng, width, height);
    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            for c in pixel(&s, x, y, height) {
                rgb.push(c.clamp(0.0, 255.0) as u8);
            }
        }
    }
    rgb
}

fn encode(rgb: &[u8], width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 88);
    encoder.set_optimized_huffman_tables(true);
    let (w, h) = (u16::try_from(width)?, u16::try_from(height)?);
    encoder.encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)?;
    Ok(out)
}

/// A landscape photograph, `WIDTH` × `HEIGHT`, as JPEG bytes.
pub fn photograph(rng: &mut ChaCha8Rng) -> anyhow::Result<Vec<u8>> {
    encode(&render(rng, WIDTH, HEIGHT), WIDTH, HEIGHT)
}

/// A square abstract portrait for an author.
pub fn avatar(rng: &mut ChaCha8Rng) -> anyhow::Result<Vec<u8>> {
    encode(
        &render(rng, AVATAR_SIZE, AVATAR_SIZE),
        AVATAR_SIZE,
        AVATAR_SIZE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn photographs_are_jpegs_and_deterministic() {
        let a = avatar(&mut ChaCha8Rng::seed_from_u64(7)).unwrap();
        let b = avatar(&mut ChaCha8Rng::seed_from_u64(7)).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..3], &[0xFF, 0xD8, 0xFF]);
        let c = avatar(&mut ChaCha8Rng::seed_from_u64(8)).unwrap();
        assert_ne!(a, c);
    }
}
