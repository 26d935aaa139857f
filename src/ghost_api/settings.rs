//! `settings/` and `tiers/`: the publication as a Ghost theme or front end reads it, and its
//! one tier — reading Broadsheet is free, so there is no paid tier.

use serde_json::{Map, Value, json};

use super::context::{Api, keep_fields};
use super::error::GhostError;
use super::ids::{self, Kind};
use super::params::{Paging, Params};
use super::{Reply, Resource};
use crate::accounts::service as accounts;

/// Settings Ghost has and Broadsheet has no counterpart for, answered as a new Ghost site
/// answers them (`null`, off or empty).
const ABSENT: [&str; 21] = [
    "icon",
    "cover_image",
    "facebook",
    "threads",
    "bluesky",
    "mastodon",
    "tiktok",
    "youtube",
    "instagram",
    "linkedin",
    "codeinjection_head",
    "codeinjection_foot",
    "meta_title",
    "meta_description",
    "og_image",
    "og_title",
    "og_description",
    "twitter_image",
    "twitter_title",
    "twitter_description",
    "firstpromoter_account",
];

pub fn settings(api: &Api) -> Reply {
    let site = &api.site;
    let mut s = Map::new();
    let mut put = |k: &str, v: Value| {
        s.insert(k.to_string(), v);
    };
    put("title", json!(site.name));
    put("description", json!(site.description));
    put(
        "logo",
        if site.logo_path.is_empty() {
            Value::Null
        } else {
            json!(api.url(&format!("/media/{}", site.logo_path)))
        },
    );
    for key in ABSENT {
        put(key, Value::Null);
    }
    put("accent_color", json!("#b3261e"));
    put(
        "twitter",
        if site.x_handle.is_empty() {
            Value::Null
        } else {
            json!(format!("@{}", site.x_handle))
        },
    );
    put("locale", json!(site.language));
    put("lang", json!(site.language));
    put("timezone", json!(site.timezone));
    let links = |links: &[(String, String)]| -> Value {
        links
            .iter()
            .map(|(label, url)| json!({"label": label, "url": url}))
            .collect()
    };
    put("navigation", links(&api.navigation));
    put("secondary_navigation", links(&api.secondary_navigation));
    put("members_support_address", json!("noreply"));
    put("members_enabled", json!(true));
    put("donations_enabled", json!(false));
    put("allow_self_signup", json!(true));
    put("members_invite_only", json!(false));
    put("members_signup_access", json!("all"));
    put("paid_members_enabled", json!(false));
    put("portal_plans", json!(["free"]));
    put("portal_button_style", json!("icon-and-text"));
    put("portal_button_signup_text", json!("Subscribe"));
    put("portal_button_icon", Value::Null);
    put("portal_signup_terms_html", Value::Null);
    put("portal_signup_checkbox_required", json!(false));
    put("portal_signup_gift_promotion", json!(false));
    put("portal_account_gift_promotion", json!(false));
    put("portal_default_plan", json!("free"));
    put("portal_name", json!(true));
    put("portal_button", json!(false));
    put("comments_enabled", json!("all"));
    put("recommendations_enabled", json!(false));
    put("outbound_link_tagging", json!(false));
    put("default_email_address", Value::Null);
    put("support_email_address", Value::Null);
    put("editor_default_email_recipients", json!("visibility"));
    put("labs", json!({}));
    put("transistor_portal_enabled", json!(false));
    put("transistor_portal_heading", Value::Null);
    put("transistor_portal_description", Value::Null);
    put("transistor_portal_button_text", Value::Null);
    put("transistor_portal_url_template", Value::Null);
    put("site_uuid", json!(api.uuid(Kind::Site, 1)));
    put(
        "url",
        json!(format!("{}/", site.base_url.trim_end_matches('/'))),
    );
    put(
        "version",
        json!(super::context::CONTENT_VERSION.trim_start_matches('v')),
    );
    Reply::settings(Value::Object(s))
}

/// The free tier, as old as the site's first account.
pub async fn tiers(api: &Api, params: &Params) -> Result<Reply, GhostError> {
    params.paging("tiers")?;
    let created = accounts::users(&api.db)
        .await?
        .iter()
        .map(|u| u.created_at)
        .min()
        .unwrap_or(api.now);
    let mut tier = json!({
        "id": ids::encode(Kind::Tier, 1),
        "name": "Free",
        "description": null,
        "slug": "free",
        "active": true,
        "type": "free",
        "welcome_page_url": null,
        "created_at": Api::time_z(created),
        "updated_at": Api::time_z(created),
        "visibility": "public",
        "benefits": [],
        "trial_days": 0,
    });
    keep_fields(&mut tier, params.fields().as_deref());
    // Ghost answers every tier at once, with the count as the limit.
    let all = Paging { page: 1, limit: 1 };
    Ok(Reply::browse(Resource::Tiers, vec![tier], all.meta(1)))
}
