//! The query of an image URL, read the way the Origami Image Service v2 reads it: the same names,
//! values, defaults and error messages, so URLs written for it work here. One deliberate
//! deviation: `dpr` also takes decimals from 1 to 3 (what `srcset` descriptors produce).

use serde::Serialize;

use super::colors::parse_color;

/// The largest `dpr`, in hundredths.
const MAX_DPR: u16 = 300;

/// A validated transform, before the output format is negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transform {
    /// CSS pixels; multiplied by `dpr` for the output.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Hundredths: 150 is a dpr of 1.5.
    #[serde(serialize_with = "dpr_as_number")]
    pub dpr: u16,
    /// Whether the caller gave `dpr` (then the answer carries `Content-Dpr`).
    #[serde(skip)]
    pub dpr_given: bool,
    pub fit: Fit,
    pub gravity: Gravity,
    pub quality: Quality,
    pub format: Format,
    /// Red, green, blue.
    pub bgcolor: Option<[u8; 3]>,
    /// The caller's system code, kept for the logs.
    #[serde(skip)]
    pub source: Option<String>,
}

fn dpr_as_number<S: serde::Serializer>(dpr: &u16, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(f64::from(*dpr) / 100.0)
}

/// How the image fills the box, as CSS `object-fit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fit {
    Cover,
    Contain,
    Fill,
    ScaleDown,
    Pad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gravity {
    Centre,
    /// The media item's focal point.
    Poi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    Lowest,
    Low,
    Medium,
    High,
    Highest,
    Lossless,
}

/// The format asked for; `Auto` is settled by the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Auto,
    Jpg,
    Png,
    Webp,
    Avif,
    Gif,
}

const FITS: &[(&str, Fit)] = &[
    ("cover", Fit::Cover),
    ("contain", Fit::Contain),
    ("fill", Fit::Fill),
    ("pad", Fit::Pad),
    ("scale-down", Fit::ScaleDown),
];
const GRAVITIES: &[(&str, Gravity)] = &[
    ("centre", Gravity::Centre),
    ("center", Gravity::Centre),
    ("poi", Gravity::Poi),
];
const QUALITIES: &[(&str, Quality)] = &[
    ("lowest", Quality::Lowest),
    ("low", Quality::Low),
    ("medium", Quality::Medium),
    ("high", Quality::High),
    ("highest", Quality::Highest),
    ("lossless", Quality::Lossless),
];
const FORMATS: &[(&str, Format)] = &[
    ("auto", Format::Auto),
    ("jpg", Format::Jpg),
    ("png", Format::Png),
    ("webp", Format::Webp),
    ("avif", Format::Avif),
    ("gif", Format::Gif),
];

impl Quality {
    /// The encoder setting: Origami's table for dpr 1, and its stronger one for sharper screens,
    /// whose smaller pixels hide more compression.
    pub fn number(self, dpr: u16) -> u8 {
        let (normal, dense) = match self {
            Quality::Lowest => (30, 18),
            Quality::Low => (50, 25),
            Quality::Medium => (72, 35),
            Quality::High => (81, 45),
            Quality::Highest => (90, 55),
            Quality::Lossless => (100, 100),
        };
        if dpr > 100 { dense } else { normal }
    }
}

impl Fit {
    pub fn name(self) -> &'static str {
        FITS.iter()
            .find(|(_, f)| *f == self)
            .map_or("cover", |(n, _)| n)
    }
}

impl Transform {
    /// Reads the query string of an image URL. Unknown names are ignored, as Origami does.
    pub fn parse(query: &str) -> Result<Transform, String> {
        let mut raw = RawQuery::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "width" => &mut raw.width,
                "height" => &mut raw.height,
                "dpr" => &mut raw.dpr,
                "fit" => &mut raw.fit,
                "gravity" => &mut raw.gravity,
                "quality" => &mut raw.quality,
                "format" => &mut raw.format,
                "bgcolor" => &mut raw.bgcolor,
                "source" => &mut raw.source,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        raw.validate()
    }

    /// Output pixels for a CSS size.
    pub fn device_pixels(&self, css: u32) -> u32 {
        let px = (u64::from(css) * u64::from(self.dpr)).div_ceil(100);
        u32::try_from(px).unwrap_or(u32::MAX)
    }

    /// The transform's part of a cache key: every field that changes the pixels, in one form.
    pub fn cache_key(&self) -> String {
        let side = |v: Option<u32>| v.map_or_else(|| "-".to_string(), |n| n.to_string());
        let bg = self.bgcolor.map_or_else(
            || "-".to_string(),
            |[r, g, b]| format!("{r:02x}{g:02x}{b:02x}"),
        );
        format!(
            "w={};h={};dpr={};fit={};g={:?};q={};bg={bg}",
            side(self.width),
            side(self.height),
            self.dpr,
            self.fit.name(),
            self.gravity,
            self.quality_number(),
        )
    }

    /// The encoder quality for this transform.
    pub fn quality_number(&self) -> u8 {
        self.quality.number(self.dpr)
    }
}

#[derive(Default)]
struct RawQuery {
    width: Option<String>,
    height: Option<String>,
    dpr: Option<String>,
    fit: Option<String>,
    gravity: Option<String>,
    quality: Option<String>,
    format: Option<String>,
    bgcolor: Option<String>,
    source: Option<String>,
}

impl RawQuery {
    fn validate(self) -> Result<Transform, String> {
        let width = whole_number(
            self.width.as_deref(),
            "Image width must be a positive whole number",
        )?;
        let height = whole_number(
            self.height.as_deref(),
            "Image height must be a positive whole number",
        )?;
        let (dpr, dpr_given) = match given(self.dpr.as_deref()) {
            None => (100, false),
            Some(v) => (parse_dpr(v)?, true),
        };
        let fit =
            one_of(self.fit.as_deref(), FITS, "Image fit must be one of")?.unwrap_or(Fit::Cover);
        let gravity = match given(self.gravity.as_deref()) {
            None => Gravity::Centre,
            Some(_) if fit != Fit::Cover => {
                return Err("Gravity can only be used when fit is set to \"cover\"".into());
            }
            Some(v) => one_of(Some(v), GRAVITIES, "Image gravity must be one of")?
                .unwrap_or(Gravity::Centre),
        };
        let quality = one_of(
            self.quality.as_deref(),
            QUALITIES,
            "Image quality must be one of",
        )?
        .unwrap_or(Quality::Medium);
        let format = one_of(
            self.format.as_deref(),
            FORMATS,
            "Image format must be one of",
        )?
        .unwrap_or(Format::Auto);
        let bgcolor = match given(self.bgcolor.as_deref()) {
            None => None,
            Some(v) => Some(
                parse_color(v)
                    .ok_or("Image bgcolor must be a valid hex code or color name".to_string())?,
            ),
        };
        let source = given(self.source.as_deref()).map(|s| s.chars().take(255).collect());
        Ok(Transform {
            width,
            height,
            dpr,
            dpr_given,
            fit,
            gravity,
            quality,
            format,
            bgcolor,
            source,
        })
    }
}

/// An empty value counts as not given.
fn given(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

fn whole_number(value: Option<&str>, message: &str) -> Result<Option<u32>, String> {
    let Some(v) = given(value) else {
        return Ok(None);
    };
    let digits = v
        .strip_suffix("px")
        .or_else(|| v.strip_suffix("PX"))
        .unwrap_or(v);
    if digits.is_empty() {
        return Ok(None);
    }
    match digits.parse::<u32>() {
        Ok(n) if n >= 1 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
        _ => Err(message.to_string()),
    }
}

/// A dpr from 1 to 3 with at most two decimals, in hundredths.
fn parse_dpr(value: &str) -> Result<u16, String> {
    let message = || "Image DPR must be a number from 1 to 3".to_string();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
        return Err(message());
    }
    let whole: u16 = whole.parse().map_err(|_| message())?;
    let hundredths: u16 = format!("{fraction:0<2}").parse().map_err(|_| message())?;
    let dpr = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(hundredths))
        .ok_or_else(message)?;
    if (100..=MAX_DPR).contains(&dpr) {
        Ok(dpr)
    } else {
        Err(message())
    }
}

fn one_of<T: Copy>(
    value: Option<&str>,
    table: &[(&str, T)],
    message: &str,
) -> Result<Option<T>, String> {
    let Some(v) = given(value) else {
        return Ok(None);
    };
    table
        .iter()
        .find(|(name, _)| *name == v)
        .map(|(_, t)| Some(*t))
        .ok_or_else(|| {
            let names: Vec<&str> = table
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| *n != "center")
                .collect();
            format!("{message} {}", names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(query: &str) -> String {
        Transform::parse(query).expect_err(query)
    }

    #[test]
    fn defaults_follow_origami() {
        let t = Transform::parse("").expect("empty query");
        assert_eq!(
            (t.width, t.height, t.dpr, t.fit, t.quality, t.format),
            (None, None, 100, Fit::Cover, Quality::Medium, Format::Auto)
        );
        assert_eq!(t.quality_number(), 72);
        assert!(!t.dpr_given);
    }

    #[test]
    fn sizes_are_positive_whole_numbers_with_an_optional_px() {
        let t = Transform::parse("width=700px&height=20PX").expect("valid");
        assert_eq!((t.width, t.height), (Some(700), Some(20)));
        assert_eq!(Transform::parse("width=").expect("empty").width, None);
        for bad in ["0", "-5", "1.5", "abc", "+7", "1e3", "99999999999"] {
            assert_eq!(
                error(&format!("width={bad}")),
                "Image width must be a positive whole number",
                "{bad}"
            );
        }
        assert_eq!(
            error("height=x"),
            "Image height must be a positive whole number"
        );
    }

    #[test]
    fn dpr_takes_whole_numbers_and_srcset_decimals() {
        assert_eq!(Transform::parse("dpr=2").expect("2").dpr, 200);
        assert_eq!(Transform::parse("dpr=1.5").expect("1.5").dpr, 150);
        assert_eq!(Transform::parse("dpr=2.25").expect("2.25").dpr, 225);
        for bad in ["0", "0.5", "4", "3.01", "1.234", "x", ".5", "-1"] {
            assert_eq!(
                error(&format!("dpr={bad}")),
                "Image DPR must be a number from 1 to 3"
            );
        }
    }

    #[test]
    fn quality_tables_are_stronger_for_dense_screens() {
        for (_, q) in QUALITIES {
            assert!(q.number(200) <= q.number(100));
        }
        let t = Transform::parse("quality=highest&dpr=2").expect("valid");
        assert_eq!(t.quality_number(), 55);
        assert_eq!(
            error("quality=best"),
            "Image quality must be one of lowest, low, medium, high, highest, lossless"
        );
    }

    #[test]
    fn enumerations_name_their_values() {
        assert_eq!(
            error("fit=stretch"),
            "Image fit must be one of cover, contain, fill, pad, scale-down"
        );
        assert_eq!(
            error("format=tiff"),
            "Image format must be one of auto, jpg, png, webp, avif, gif"
        );
        assert_eq!(
            error("fit=contain&gravity=poi"),
            "Gravity can only be used when fit is set to \"cover\""
        );
        assert_eq!(
            error("gravity=faces"),
            "Image gravity must be one of centre, poi"
        );
        assert_eq!(
            Transform::parse("gravity=poi")
                .expect("cover is the default")
                .gravity,
            Gravity::Poi
        );
    }

    #[test]
    fn colours_are_hex_or_names() {
        let t = Transform::parse("bgcolor=%23f00").expect("short hex");
        assert_eq!(t.bgcolor, Some([255, 0, 0]));
        assert_eq!(
            Transform::parse("bgcolor=rebeccapurple")
                .expect("name")
                .bgcolor,
            Some([0x66, 0x33, 0x99])
        );
        assert_eq!(
            error("bgcolor=f0"),
            "Image bgcolor must be a valid hex code or color name"
        );
        assert_eq!(
            error("bgcolor=f0f0"),
            "Image bgcolor must be a valid hex code or color name"
        );
    }

    #[test]
    fn device_pixels_round_up() {
        let t = Transform::parse("dpr=1.5").expect("valid");
        assert_eq!(t.device_pixels(333), 500);
        assert_eq!(t.device_pixels(700), 1050);
    }

    /// Image URL parameters as a hostile client sends them: known names with any value, unknown
    /// names, stray separators and percent-escapes.
    fn image_queries() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let name = prop_oneof![
            Just("width"),
            Just("height"),
            Just("dpr"),
            Just("fit"),
            Just("gravity"),
            Just("quality"),
            Just("format"),
            Just("bgcolor"),
            Just("source"),
            Just("x"),
        ];
        let value = prop_oneof![
            "[0-9]{0,12}",
            "-?[0-9]{1,4}\\.[0-9]{0,4}",
            "(cover|contain|scale-down|crop|pad|auto|left|0\\.5x0\\.5|high|low|webp|avif|jpeg|png|ff0000|%[0-9A-F]{2})",
            ".{0,20}",
        ];
        prop::collection::vec((name, value), 0..8).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        })
    }

    proptest::proptest! {
        /// Any query gives a transform inside the limits or a message, never a panic; its cache
        /// key is the same whatever the order of distinct parameters and however many unknown
        /// ones ride along.
        #[test]
        fn any_query_parses_within_limits_and_keys_canonically(query in image_queries(), junk in ".{0,40}") {
            let Ok(t) = Transform::parse(&query) else { return Ok(()) };
            proptest::prop_assert!(t.dpr >= 1 && t.dpr <= MAX_DPR);
            let mut seen = std::collections::HashSet::new();
            let mut distinct: Vec<&str> = query
                .split('&')
                .filter(|pair| seen.insert(pair.split('=').next().unwrap_or_default()))
                .collect();
            if distinct.len() == query.split('&').count() {
                distinct.reverse();
                let reordered = Transform::parse(&distinct.join("&"));
                proptest::prop_assert_eq!(reordered.map(|r| r.cache_key()), Ok(t.cache_key()));
            }
            let noisy: String = form_urlencoded::byte_serialize(junk.as_bytes()).collect();
            let with_unknown = Transform::parse(&format!("{query}&zz={noisy}"));
            proptest::prop_assert_eq!(with_unknown.map(|r| r.cache_key()), Ok(t.cache_key()));
        }

        #[test]
        fn any_text_as_a_query_never_panics(query in "\\PC{0,200}") {
            let _ = Transform::parse(&query);
        }
    }
}
