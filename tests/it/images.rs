//! The image service through the router: the Origami contract, formats, orientation, caching,
//! the templates' use of it, and every safety case against a real origin on loopback.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde_json::Value;

use crate::db_tests;
use crate::support::{TestApp, TestResponse, image_config};

/// A `width` × `height` JPEG, red on the left half and blue on the right.
fn halves_jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut rgb = Vec::new();
    for _ in 0..height {
        for x in 0..width {
            rgb.extend_from_slice(if x < width / 2 {
                &[220, 20, 20]
            } else {
                &[20, 20, 220]
            });
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95)
        .encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// The same JPEG with an EXIF block that sets its orientation.
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut body = b"Exif\0\0".to_vec();
    body.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A half-transparent PNG.
fn transparent_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|i| {
            if i % 2 == 0 {
                [0, 128, 0, 255]
            } else {
                [0, 0, 0, 0]
            }
        })
        .collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

/// A two-frame animated GIF.
fn animated_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut out, 32, 16, &[]).unwrap();
        encoder.set_repeat(gif::Repeat::Infinite).unwrap();
        for colour in [[255u8, 0, 0, 255], [0, 0, 255, 255]] {
            let mut rgba = colour.repeat(32 * 16);
            let mut frame = gif::Frame::from_rgba(32, 16, &mut rgba);
            frame.delay = 10;
            encoder.write_frame(&frame).unwrap();
        }
    }
    out
}

/// A PNG header claiming 100,000 × 100,000 pixels, and nothing behind it.
fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    png
}

/// Adds an image to the library and makes it public, as an author's portrait.
async fn upload(app: &TestApp, bytes: &[u8]) -> i64 {
    let id =
        broadsheet::media::service::upload(&app.db, &app.state.media, app.clock.now(), bytes, None)
            .await
            .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    broadsheet::articles::service::create_author_in(
        &mut tx,
        &format!("Photographer {id}"),
        "",
        Some(id),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Width and height of a JPEG or PNG answer.
fn dimensions(r: &TestResponse) -> (u32, u32) {
    if r.bytes.starts_with(b"\x89PNG") {
        let decoder = png::Decoder::new(std::io::Cursor::new(&r.bytes[..]));
        let info = decoder.read_info().unwrap();
        return (info.info().width, info.info().height);
    }
    let header = turbojpeg::read_header(&r.bytes).unwrap();
    (header.width as u32, header.height as u32)
}

/// The colour at (x, y) of a JPEG answer.
fn pixel(r: &TestResponse, x: usize, y: usize) -> [u8; 3] {
    let image = turbojpeg::decompress(&r.bytes, turbojpeg::PixelFormat::RGB).unwrap();
    let at = y * image.pitch + x * 3;
    [image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]]
}

fn error_message(r: &TestResponse) -> String {
    let body: Value = serde_json::from_slice(&r.bytes).unwrap();
    body["error"]["message"].as_str().unwrap().to_string()
}

db_tests! {
    async fn the_origami_contract_holds(app) {
        let id = upload(app, &halves_jpeg(1200, 800)).await;
        let base = format!("/images/v2/raw/media:{id}");
        let r = app.get(&format!("{base}?width=300&source=test")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("content-type"), "image/jpeg");
        assert_eq!(dimensions(&r), (300, 200));
        assert_eq!(r.header("cache-control"), "public, max-age=31536000, immutable");
        assert_eq!(r.header("vary"), "Accept");
        assert_eq!(r.header("access-control-allow-origin"), "*");
        assert!(r.headers.get("content-dpr").is_none(), "no dpr asked, none echoed");
        let etag = r.header("etag").to_string();
        assert!(etag.starts_with('"'));

        let again = app.get_with(&format!("{base}?width=300&source=test"), &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);

        let dense = app.get(&format!("{base}?width=300&dpr=2")).await;
        assert_eq!(dimensions(&dense), (600, 400));
        assert_eq!(dense.header("content-dpr"), "2");
        let srcset_dpr = app.get(&format!("{base}?width=300&dpr=1.5")).await;
        assert_eq!(dimensions(&srcset_dpr), (450, 300));

        let alias = app
            .get(&format!("/__origami/service/image/v2/images/raw/media:{id}?width=300&source=test"))
            .await;
        assert_eq!(alias.bytes, r.bytes, "Origami's path serves the same variant");

        let meta = app.get(&format!("/images/v2/metadata/media:{id}?width=300&dpr=2")).await;
        let meta: Value = serde_json::from_slice(&meta.bytes).unwrap();
        assert_eq!(meta["width"], 600);
        assert_eq!(meta["height"], 400);
        assert_eq!(meta["dpr"], 2.0);
        assert_eq!(meta["type"], "image/jpeg");
        assert_eq!(meta["bytes"], dense.bytes.len());

        let debug = app.get(&format!("/images/v2/debug/media:{id}?width=300&fit=contain&quality=highest")).await;
        let debug: Value = serde_json::from_slice(&debug.bytes).unwrap();
        assert_eq!(debug["transform"]["fit"], "contain");
        assert_eq!(debug["transform"]["width"], 300);
        assert_eq!(debug["transform"]["quality"], "highest");

        let bad = [
            ("width=0", "Image width must be a positive whole number"),
            ("width=1.5", "Image width must be a positive whole number"),
            ("height=abc", "Image height must be a positive whole number"),
            ("dpr=4", "Image DPR must be a number from 1 to 3"),
            ("fit=crop", "Image fit must be one of cover, contain, fill, pad, scale-down"),
            ("fit=contain&gravity=poi", "Gravity can only be used when fit is set to \"cover\""),
            ("quality=ultra", "Image quality must be one of lowest, low, medium, high, highest, lossless"),
            ("format=tiff", "Image format must be one of auto, jpg, png, webp, avif, gif"),
            ("bgcolor=f0", "Image bgcolor must be a valid hex code or color name"),
        ];
        for (query, message) in bad {
            let r = app.get(&format!("{base}?{query}")).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(error_message(&r), message, "{query}");
            assert_eq!(r.header("cache-control"), "public, max-age=31536000", "{query}");
        }
        let unknown = app.get("/images/v2/raw/media:999999?width=10").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.header("cache-control"), "public, max-age=300");
        let scheme = app.get("/images/v2/raw/ftp:%2F%2Fa.example%2Fx.jpg").await;
        assert_eq!(scheme.status, StatusCode::BAD_REQUEST);
        assert_eq!(error_message(&scheme), "Image URI must be a string with a valid scheme");
        let remote = app.get("/images/v2/raw/https:%2F%2Fimages.example%2Fx.jpg").await;
        assert_eq!(remote.status, StatusCode::FORBIDDEN, "no remote origin is allowed by default");
        assert_eq!(app.get(&format!("/images/v2/purge/media:{id}")).await.status, StatusCode::NOT_FOUND);
    }

    async fn every_fit_size_and_dpr_gives_the_planned_dimensions(app) {
        let id = upload(app, &halves_jpeg(1200, 800)).await;
        let cases: &[(&str, (u32, u32))] = &[
            ("width=300&height=300&fit=cover", (300, 300)),
            ("width=300&height=300&fit=contain", (300, 200)),
            ("width=300&height=300&fit=fill", (300, 300)),
            ("width=300&height=300&fit=scale-down", (300, 200)),
            ("width=300&height=300&fit=pad", (300, 300)),
            ("width=300&fit=cover", (300, 200)),
            ("width=300&fit=fill", (300, 200)),
            ("height=300&fit=contain", (450, 300)),
            ("height=300&fit=pad", (450, 300)),
            ("width=2000&height=2000&fit=scale-down", (1200, 800)),
            ("width=2000&height=2000&fit=contain", (1200, 800)),
            ("width=2000&height=2000&fit=cover", (800, 800)),
            ("width=2000&fit=scale-down", (1200, 800)),
            ("", (1200, 800)),
            ("width=300&height=300&fit=cover&dpr=2", (600, 600)),
            ("width=300&height=300&fit=contain&dpr=2", (600, 400)),
            ("width=300&height=300&fit=pad&dpr=3", (900, 900)),
            ("width=150&height=100&fit=fill&dpr=2.5", (375, 250)),
            ("width=3000&fit=contain&dpr=2", (2400, 1600)),
        ];
        for (query, expected) in cases {
            let r = app.get(&format!("/images/v2/raw/media:{id}?{query}&format=jpg")).await;
            assert_eq!(r.status, StatusCode::OK, "{query}");
            assert_eq!(dimensions(&r), *expected, "{query}");
        }
        let padded = app
            .get(&format!("/images/v2/raw/media:{id}?width=300&height=300&fit=pad&bgcolor=black&format=jpg"))
            .await;
        assert!(pixel(&padded, 150, 5).iter().all(|c| *c < 30), "the pad is black");
        let cover = app
            .get(&format!("/images/v2/raw/media:{id}?width=100&height=200&fit=cover&format=jpg"))
            .await;
        let (left, right) = (pixel(&cover, 5, 100), pixel(&cover, 95, 100));
        assert!(left[0] > 150 && right[2] > 150, "the centre crop keeps both halves");
    }

    async fn formats_follow_accept_and_the_source(app) {
        let photo = upload(app, &halves_jpeg(400, 300)).await;
        let raw = |query: String, accept: &'static str| async move {
            app.get_with(&format!("/images/v2/raw/{query}"), &[("accept", accept)]).await
        };
        // AVIF costs ten WebPs: the first answer is WebP, briefly cached, while it renders.
        let chrome = "image/avif,image/webp,*/*";
        let first = raw(format!("media:{photo}?width=100"), chrome).await;
        assert_eq!(first.header("content-type"), "image/webp");
        assert_eq!(first.header("cache-control"), "public, max-age=60");
        let mut avif = first;
        for _ in 0..300 {
            avif = raw(format!("media:{photo}?width=100"), chrome).await;
            if avif.header("content-type") == "image/avif" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(avif.header("content-type"), "image/avif", "the AVIF is served once rendered");
        assert_eq!(&avif.bytes[4..12], b"ftypavif");
        assert_eq!(avif.header("cache-control"), "public, max-age=31536000, immutable");
        let webp = raw(format!("media:{photo}?width=100"), "image/webp,*/*").await;
        assert_eq!(webp.header("content-type"), "image/webp");
        assert_eq!(&webp.bytes[8..12], b"WEBP");
        let jpeg = raw(format!("media:{photo}?width=100"), "*/*").await;
        assert_eq!(jpeg.header("content-type"), "image/jpeg");
        for (format, magic) in [("png", &b"\x89PNG"[..]), ("gif", b"GIF8"), ("jpg", b"\xFF\xD8\xFF"), ("webp", b"RIFF"), ("avif", b"\0\0\0")] {
            let r = raw(format!("media:{photo}?width=50&format={format}"), "*/*").await;
            assert_eq!(r.status, StatusCode::OK, "{format}");
            assert!(r.bytes.starts_with(magic), "{format}");
        }

        let clear = upload(app, &transparent_png(64, 64)).await;
        let png = raw(format!("media:{clear}?width=32"), "*/*").await;
        assert_eq!(png.header("content-type"), "image/png", "transparency keeps PNG for old browsers");
        let flat = raw(format!("media:{clear}?width=32&format=jpg&bgcolor=ff0000"), "*/*").await;
        assert_eq!(flat.header("content-type"), "image/jpeg");
        let lossless = raw(format!("media:{photo}?width=50&quality=lossless"), "image/webp").await;
        assert_eq!(lossless.header("content-type"), "image/png");

        let animation = upload(app, &animated_gif()).await;
        let frames = |r: &TestResponse| {
            let mut decoder = gif::DecodeOptions::new().read_info(std::io::Cursor::new(r.bytes.clone())).unwrap();
            let mut n = 0;
            while decoder.read_next_frame().unwrap().is_some() {
                n += 1;
            }
            n
        };
        let animated = raw(format!("media:{animation}?width=16&format=gif"), "*/*").await;
        assert_eq!(frames(&animated), 2, "format=gif keeps the animation");
        let still = raw(format!("media:{animation}?width=16&format=jpg"), "*/*").await;
        assert_eq!(still.header("content-type"), "image/jpeg");
        assert!(pixel(&still, 8, 4)[0] > 200, "the first (red) frame");
    }

    async fn exif_orientation_is_applied_and_stripped(app) {
        // Left half red, right half blue; where red lands after each orientation.
        let expected: [(u16, (u32, u32), bool); 8] = [
            (1, (40, 20), true),
            (2, (40, 20), false),
            (3, (40, 20), false),
            (4, (40, 20), true),
            (5, (20, 40), true),
            (6, (20, 40), true),
            (7, (20, 40), false),
            (8, (20, 40), false),
        ];
        for (orientation, size, red_first) in expected {
            let id = upload(app, &with_orientation(&halves_jpeg(40, 20), orientation)).await;
            let r = app.get(&format!("/images/v2/raw/media:{id}?format=jpg&quality=highest")).await;
            assert_eq!(dimensions(&r), size, "orientation {orientation}");
            let [red, _, blue] = pixel(&r, 2, 2);
            assert_eq!(red > blue, red_first, "orientation {orientation}");
            assert!(!r.bytes.windows(6).any(|w| w == b"Exif\0\0"), "metadata is stripped");
        }
    }

    async fn variants_are_cached_and_rendered_once(app) {
        let id = upload(app, &halves_jpeg(800, 600)).await;
        let url = format!("/images/v2/raw/media:{id}?width=123&format=jpg");
        let before = app.state.images.renders();
        let answers = futures_util::future::join_all((0..8).map(|_| app.get(&url))).await;
        assert!(answers.iter().all(|r| r.status == StatusCode::OK && r.bytes == answers[0].bytes));
        assert_eq!(app.state.images.renders() - before, 1, "eight identical requests, one render");
        let item = broadsheet::media::service::item(&app.db, id).await.unwrap();
        app.state.media.remove(&item.path).await.unwrap();
        let cached = app.get(&url).await;
        assert_eq!(cached.status, StatusCode::OK, "served from the variant cache");
        assert_eq!(cached.bytes, answers[0].bytes);
        assert_eq!(app.state.images.renders() - before, 1);
        let other = app.get(&format!("/images/v2/raw/media:{id}?width=124&format=jpg")).await;
        assert_eq!(other.status, StatusCode::SERVICE_UNAVAILABLE, "a new variant needs the original");
        assert_eq!(other.headers["retry-after"], "5", "the store's trouble passes; ask again");
    }

    async fn a_cold_burst_of_distinct_variants_waits_for_workers_instead_of_failing(app) {
        // A front page on an empty image cache: two readers ask at once for 36 sizes nobody
        // rendered yet, far more than the two workers. A browser does not retry a picture, so
        // every one must arrive (the test app has the default queue and wait).
        let id = upload(app, &halves_jpeg(800, 600)).await;
        let before = app.state.images.renders();
        let urls: Vec<String> = (0..72)
            .map(|i| format!("/images/v2/raw/media:{id}?width={}&format=jpg", 200 + i % 36))
            .collect();
        let answers = futures_util::future::join_all(urls.iter().map(|u| app.get(u))).await;
        let refused: Vec<_> = answers
            .iter()
            .zip(&urls)
            .filter(|(r, _)| r.status != StatusCode::OK)
            .map(|(r, u)| format!("{u}: {} {}", r.status, r.text()))
            .collect();
        assert!(refused.is_empty(), "refused in a cold burst: {refused:?}");
        assert_eq!(app.state.images.renders() - before, 36, "one render per distinct variant");
        for (answer, url) in answers.iter().zip(&urls) {
            let width: u32 = url.split("width=").nth(1).unwrap().split('&').next().unwrap().parse().unwrap();
            assert_eq!(dimensions(answer).0, width, "{url}");
        }
    }

    async fn pages_use_responsive_images(app) {
        app.load_demo(12).await;
        let home = app.get("/").await.text();
        let img = home.split("<img ").nth(1).unwrap().split('>').next().unwrap();
        assert!(img.contains("srcset=\"/images/v2/raw/media:"), "{img}");
        for width in [320, 480, 640, 800, 1024, 1280, 1600] {
            assert!(img.contains(&format!(" {width}w")), "{width} in {img}");
        }
        assert!(img.contains("sizes=\"") && img.contains("width=\"1920\"") && img.contains("height=\"1280\""), "{img}");
        assert!(home.contains("loading=\"lazy\""), "cards below the fold load lazily");
        let article = app.get(&TestApp::first_article_link(&home)).await.text();
        let og = article
            .split("<meta property=\"og:image\" content=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .replace("&amp;", "&");
        assert!(og.contains("width=1200&height=630&fit=cover"), "{og}");
        let path = og.split_once("/images/").map(|(_, p)| format!("/images/{p}")).unwrap();
        let social = app.get(&path).await;
        assert_eq!(dimensions(&social), (1200, 630));
        assert!(article.contains("<meta property=\"og:image:width\" content=\"1200\">"));
        let author = article.split("href=\"/author/").nth(1).unwrap().split('"').next().unwrap();
        let profile = app.get(&format!("/author/{author}")).await.text();
        let portrait = profile.split("<img class=\"avatar\" src=\"").nth(1).unwrap();
        let src = portrait.split('"').next().unwrap().replace("&amp;", "&");
        assert_eq!(dimensions(&app.get(&src).await), (96, 96), "a portrait at its display size");
        let sharp = portrait.split("srcset=\"").nth(1).unwrap().split(' ').next().unwrap().replace("&amp;", "&");
        assert_eq!(dimensions(&app.get(&sharp).await), (192, 192), "and twice that for dense screens");
        let lead = article.split("class=\"lead-image\"").nth(1).unwrap();
        let src = lead.split("src=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
        let first = app.get(&src).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(dimensions(&first).0, 700);
    }
}

/// An origin on loopback serving good, huge, truncated, lying and slow files, and redirects
/// towards addresses the service must not reach.
async fn origin() -> SocketAddr {
    let good = halves_jpeg(600, 400);
    let truncated = good[..good.len() / 2].to_vec();
    let big = vec![0xFF; 5 * 1024 * 1024];
    let jpeg = |bytes: Vec<u8>| {
        move || {
            let bytes = bytes.clone();
            async move { ([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response() }
        }
    };
    let app = Router::new()
        .route("/photos/good.jpg", get(jpeg(good.clone())))
        .route("/photos/huge.png", get(jpeg(png_bomb())))
        .route("/photos/truncated.jpg", get(jpeg(truncated)))
        .route("/photos/big.jpg", get(jpeg(big)))
        .route(
            "/photos/lying.jpg",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/jpeg")],
                    "<!doctype html><p>hi</p>",
                )
            }),
        )
        .route(
            "/photos/page.jpg",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<!doctype html><p>hi</p>",
                )
            }),
        )
        .route(
            "/photos/slow.jpg",
            get(move || {
                let good = good.clone();
                async move {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    ([(header::CONTENT_TYPE, "image/jpeg")], good).into_response()
                }
            }),
        )
        .route(
            "/photos/endless.jpg",
            get(|| async {
                // No Content-Length: only counting while it streams can stop it.
                let chunks = (0..80).map(|_| Ok::<_, std::io::Error>(vec![0xFF_u8; 64 * 1024]));
                let body = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
                ([(header::CONTENT_TYPE, "image/jpeg")], body)
            }),
        )
        .route(
            "/photos/to-good",
            get(|| async { Redirect::temporary("/photos/good.jpg") }),
        )
        .route(
            "/photos/to-ipv6-loopback",
            get(|| async { Redirect::temporary("http://[::1]/photos/good.jpg") }),
        )
        .route(
            "/photos/to-metadata",
            get(|| async { Redirect::temporary("http://169.254.169.254/photos/latest") }),
        )
        .route(
            "/photos/to-other-loopback",
            get(|| async { Redirect::temporary("http://127.0.0.2/photos/good.jpg") }),
        )
        .route(
            "/photos/to-elsewhere",
            get(|| async { Redirect::temporary("/private/good.jpg") }),
        )
        .route(
            "/photos/loop",
            get(|| async { Redirect::temporary("/photos/loop") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

fn remote(url: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(url.as_bytes()).collect();
    format!("/images/v2/raw/{encoded}?width=100&format=jpg")
}

/// Sources allowed in these tests: the loopback origin's `/photos/`, and the internal
/// addresses the redirects aim at (so only the address check can stop them).
fn allowed(origin: SocketAddr) -> Vec<String> {
    vec![
        format!("http://{origin}/photos/"),
        format!("http://localhost:{}/photos/", origin.port()),
        "http://[::1]/photos/".to_string(),
        "http://169.254.169.254/photos/".to_string(),
        "http://127.0.0.2/photos/".to_string(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_sources_are_fetched_only_where_safe() {
    let origin = origin().await;
    let app = TestApp::sqlite()
        .await
        .with_images(image_config(&allowed(origin), 2, 4));
    let base = format!("http://{origin}/photos");

    let good = app.get(&remote(&format!("{base}/good.jpg"))).await;
    assert_eq!(good.status, StatusCode::OK);
    assert_eq!(dimensions(&good), (100, 67));
    assert_eq!(
        good.header("cache-control"),
        "public, max-age=604800, stale-while-revalidate=604800, stale-if-error=604800"
    );
    let unencoded = app
        .get(&format!(
            "/images/v2/raw/http:/{origin}/photos/good.jpg?width=100&format=jpg"
        ))
        .await;
    assert_eq!(
        unencoded.bytes, good.bytes,
        "Origami's repair of a collapsed http:/"
    );
    assert_eq!(
        app.get(&remote(&format!("{base}/to-good"))).await.status,
        StatusCode::OK,
        "a redirect within the allow-list"
    );

    let cases: &[(&str, StatusCode, &str)] = &[
        (
            "huge.png",
            StatusCode::BAD_REQUEST,
            "too large to process (100000 × 100000 pixels)",
        ),
        (
            "truncated.jpg",
            StatusCode::BAD_REQUEST,
            "could not be decoded",
        ),
        ("lying.jpg", StatusCode::BAD_REQUEST, "not an image"),
        ("page.jpg", StatusCode::BAD_REQUEST, "text/html"),
        ("big.jpg", StatusCode::BAD_REQUEST, "larger than 4 MB"),
        ("endless.jpg", StatusCode::BAD_REQUEST, "larger than 4 MB"),
        ("missing.jpg", StatusCode::NOT_FOUND, "no such image"),
        (
            "to-ipv6-loopback",
            StatusCode::FORBIDDEN,
            "internal address ::1",
        ),
        (
            "to-metadata",
            StatusCode::FORBIDDEN,
            "internal address 169.254.169.254",
        ),
        (
            "to-other-loopback",
            StatusCode::FORBIDDEN,
            "internal address 127.0.0.2",
        ),
        ("to-elsewhere", StatusCode::FORBIDDEN, "are not allowed"),
        ("loop", StatusCode::BAD_GATEWAY, "more than 3 redirects"),
        (
            "slow.jpg",
            StatusCode::GATEWAY_TIMEOUT,
            "did not answer in time",
        ),
    ];
    for (file, status, message) in cases {
        let r = app.get(&remote(&format!("{base}/{file}"))).await;
        assert_eq!(r.status, *status, "{file}: {}", r.text());
        assert!(
            error_message(&r).contains(message),
            "{file}: {}",
            error_message(&r)
        );
    }
    let slow = app.get(&remote(&format!("{base}/slow.jpg"))).await;
    assert_eq!(
        slow.header("cache-control"),
        "public, max-age=30",
        "an origin's trouble is cached briefly"
    );

    let direct: &[(String, &str)] = &[
        ("http://[::1]/photos/good.jpg".to_string(), "::1"),
        (
            "http://169.254.169.254/photos/latest".to_string(),
            "169.254.169.254",
        ),
        (
            format!(
                "http://127.0.0.1:{}@evil.example/photos/good.jpg",
                origin.port()
            ),
            "not allowed",
        ),
        (format!("http://{origin}/private/good.jpg"), "not allowed"),
        (
            format!("http://{origin}/photosevil/good.jpg"),
            "not allowed",
        ),
    ];
    for (url, message) in direct {
        let r = app.get(&remote(url)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{url}");
        assert!(
            error_message(&r).contains(message),
            "{url}: {}",
            error_message(&r)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_is_refused_unless_trusted() {
    let origin = origin().await;
    let mut config = image_config(&allowed(origin), 2, 4);
    config.fetch.trusted.clear();
    let app = TestApp::sqlite().await.with_images(config);
    let direct = app
        .get(&remote(&format!("http://{origin}/photos/good.jpg")))
        .await;
    assert_eq!(direct.status, StatusCode::FORBIDDEN);
    assert!(error_message(&direct).contains("internal address 127.0.0.1"));
    let by_name = app
        .get(&remote(&format!(
            "http://localhost:{}/photos/good.jpg",
            origin.port()
        )))
        .await;
    assert_eq!(
        by_name.status,
        StatusCode::FORBIDDEN,
        "the name resolves to loopback: {}",
        by_name.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waits_for_a_worker_only_until_its_deadline() {
    let origin = origin().await;
    let mut config = image_config(&allowed(origin), 1, 16);
    config.queue_wait = Duration::from_millis(300);
    let app = TestApp::sqlite().await.with_images(config);
    let slow = remote(&format!("http://{origin}/photos/slow.jpg"));
    let waiting = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let asked = std::time::Instant::now();
        let r = app
            .get(&remote(&format!("http://{origin}/photos/good.jpg")))
            .await;
        (r, asked.elapsed())
    };
    let (first, (second, waited)) = tokio::join!(app.get(&slow), waiting);
    assert_eq!(first.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(second.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(second.header("retry-after"), "1");
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_millis(1500),
        "refused after its deadline, not at once nor when the worker came free: {waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_503_with_retry_after() {
    let origin = origin().await;
    let app = TestApp::sqlite()
        .await
        .with_images(image_config(&allowed(origin), 1, 0));
    let slow = remote(&format!("http://{origin}/photos/slow.jpg"));
    let busy = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        app.get(&remote(&format!("http://{origin}/photos/good.jpg")))
            .await
    };
    let (first, second) = tokio::join!(app.get(&slow), busy);
    assert_eq!(first.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(second.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(second.header("retry-after"), "1");
    assert_eq!(second.header("cache-control"), "no-store");
    let later = app
        .get(&remote(&format!("http://{origin}/photos/good.jpg")))
        .await;
    assert_eq!(later.status, StatusCode::OK, "the worker is free again");
}
