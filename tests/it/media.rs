//! The media library: uploads validated by their header, metadata and focal point, search, and
//! deletion only of what nothing uses.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use broadsheet::accounts::Role;
use broadsheet::articles::service as articles;
use broadsheet::media::service as media;

use crate::db_tests;
use crate::support::admin::Browser;
use crate::support::builders::{article, newsroom, publish};
use crate::support::{TestApp, TestResponse};

pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let pixels: Vec<u8> = (0..usize::from(width) * usize::from(height) * 3)
        .map(|i| (i % 251) as u8)
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

pub async fn upload(
    app: &TestApp,
    who: &Browser,
    csrf: &str,
    name: &str,
    bytes: &[u8],
) -> TestResponse {
    let boundary = "XBOUNDARYX";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.request(
        Request::post("/admin/media")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("cookie", &who.cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

pub fn uploaded_id(r: &TestResponse) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location")
        .trim_start_matches("/admin/media/")
        .parse()
        .unwrap()
}

db_tests! {
    async fn the_editor_picks_from_the_library_and_previews_what_is_not_public(app) {
        app.add_user("editor@news.example", Role::Editor).await;
        let editor = app.sign_in("editor@news.example").await;
        let id = uploaded_id(&upload(app, &editor, &editor.csrf, "a.jpg", &jpeg(40, 30)).await);
        app.post_as(&format!("/admin/media/{id}"), &editor, &[("alt", "Harbour cranes"), ("caption", "At dawn"), ("credit", "Ada Lens"), ("focal_x", "250"), ("focal_y", "750")]).await;

        let listed = app.get_as("/admin/media.json?q=harbour", &editor).await;
        assert_eq!(listed.status, StatusCode::OK);
        let page: serde_json::Value = serde_json::from_slice(&listed.bytes).unwrap();
        let item = &page["items"][0];
        assert_eq!(item["src"], format!("/images/v2/raw/media:{id}"), "the body keeps the plain reference");
        assert_eq!((item["alt"].as_str(), item["credit"].as_str(), item["focal"].as_str()), (Some("Harbour cranes"), Some("Ada Lens"), Some("250,750")));
        let thumb = item["thumb"].as_str().unwrap();
        assert!(thumb.contains("signature="), "{thumb}");
        assert_eq!(app.get(thumb).await.status, StatusCode::OK, "the signed tile shows before publication");
        let one: serde_json::Value = serde_json::from_slice(&app.get_as(&format!("/admin/media.json?id={id}"), &editor).await.bytes).unwrap();
        assert_eq!(one["items"].as_array().unwrap().len(), 1);

        // Unpublished, the item is not public; the editor's preview is a signed redirect.
        assert_eq!(app.get(&format!("/images/v2/raw/media:{id}?width=100")).await.status, StatusCode::NOT_FOUND);
        let preview = app.get_as(&format!("/admin/media/{id}/preview?width=300"), &editor).await;
        assert_eq!(preview.status, StatusCode::SEE_OTHER);
        let target = preview.header("location").to_string();
        assert!(target.starts_with(&format!("/images/v2/raw/media:{id}?width=300")) && target.contains("signature="), "{target}");
        assert_eq!(app.get(&target).await.status, StatusCode::OK);

        let stranger = app.get(&format!("/admin/media/{id}/preview")).await;
        assert!(
            stranger.status == StatusCode::SEE_OTHER && stranger.header("location").starts_with("/admin/login"),
            "no preview for the public: {} {}", stranger.status, stranger.header("location")
        );
        assert_eq!(app.get_as("/admin/media.json?id=999999", &editor).await.status, StatusCode::NOT_FOUND);
    }

    async fn uploads_are_checked_by_their_header(app) {
        app.add_user("author@news.example", Role::Author).await;
        app.add_user("contributor@news.example", Role::Contributor).await;
        let author = app.sign_in("author@news.example").await;
        let contributor = app.sign_in("contributor@news.example").await;

        let id = uploaded_id(&upload(app, &author, &author.csrf, "photo.jpg", &jpeg(64, 48)).await);
        let item = media::item(&app.db, id).await.unwrap();
        assert_eq!((item.width, item.height, item.content_type.as_str()), (64, 48, "image/jpeg"));
        let served = app.get(&broadsheet::media::url(&item.path)).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.bytes, jpeg(64, 48));

        let again = uploaded_id(&upload(app, &author, &author.csrf, "copy.jpg", &jpeg(64, 48)).await);
        assert_eq!(again, id, "identical files are stored once");

        let lying = upload(app, &author, &author.csrf, "evil.jpg", b"<html><script>alert(1)</script></html>").await;
        assert_eq!(lying.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(lying.text().contains("not a JPEG, PNG, WebP, GIF or AVIF image"));

        let mut huge_png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        huge_png.extend_from_slice(b"IHDR");
        huge_png.extend_from_slice(&100_000u32.to_be_bytes());
        huge_png.extend_from_slice(&100_000u32.to_be_bytes());
        huge_png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let bomb = upload(app, &author, &author.csrf, "bomb.png", &huge_png).await;
        assert_eq!(bomb.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bomb.text().contains("megapixels"));

        let too_big = upload(app, &author, &author.csrf, "big.jpg", &vec![0u8; 3 * 1024 * 1024]).await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);

        assert_eq!(upload(app, &contributor, &contributor.csrf, "c.jpg", &jpeg(8, 8)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(upload(app, &author, "forged", "f.jpg", &jpeg(8, 8)).await.status, StatusCode::FORBIDDEN);
        let (all, _) = media::search(&app.db, None, 1, 100).await.unwrap();
        assert_eq!(all.len(), 1, "nothing else was stored");
    }

    async fn metadata_focal_point_search_and_deletion(app) {
        let n = newsroom(app).await;
        app.add_user("editor@news.example", Role::Editor).await;
        let editor = app.sign_in("editor@news.example").await;
        let id = uploaded_id(&upload(app, &editor, &editor.csrf, "a.jpg", &jpeg(40, 30)).await);
        let other = uploaded_id(&upload(app, &editor, &editor.csrf, "b.jpg", &jpeg(30, 40)).await);
        let path = format!("/admin/media/{id}");
        let saved = app.post_as(&path, &editor, &[
            ("alt", "Harbour cranes at dawn"), ("caption", "The port reopened"), ("credit", "Ada Lens"),
            ("focal_x", "250"), ("focal_y", "750"),
        ]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let item = media::item(&app.db, id).await.unwrap();
        assert_eq!((item.focal_x, item.focal_y), (250, 750));
        assert_eq!(item.credit, "Ada Lens");
        let outside = app.post_as(&path, &editor, &[("alt", "x"), ("focal_x", "2000"), ("focal_y", "10")]).await;
        assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);

        let found = app.get_as("/admin/media?q=harbour", &editor).await.text();
        assert!(found.contains("Harbour cranes at dawn"));
        let tile = format!("/images/v2/raw/media:{id}?width=480&amp;fit=scale-down");
        assert!(found.contains(&tile), "tiles are renditions, not originals: {found}");
        assert!(!found.contains(&format!("/admin/media/{other}\"")));

        let mut input = article(&n, "Port story");
        input.lead_media_id = Some(id);
        input.lead_alt = "Harbour cranes at dawn".into();
        publish(app, input).await;
        let refused = app.post_as(&format!("/admin/media/{id}/delete"), &editor, &[]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(media::item(&app.db, id).await.is_ok());

        let file = media::item(&app.db, other).await.unwrap().path;
        let deleted = app.post_as(&format!("/admin/media/{other}/delete"), &editor, &[]).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert!(media::item(&app.db, other).await.is_err());
        assert_eq!(app.get(&broadsheet::media::url(&file)).await.status, StatusCode::NOT_FOUND, "the file is gone");
        assert_eq!(articles::count_articles(&app.db).await.unwrap(), 1);
    }
}
