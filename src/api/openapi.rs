//! The OpenAPI 3.1 description of the API. A test checks that it describes every route the API
//! serves and that every operation it describes answers.

use axum::Json;
use serde_json::{Value, json};

fn error_responses() -> Value {
    let e = json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    json!({
        "400": { "description": "Malformed request", "content": e["content"] },
        "401": { "description": "Missing or unknown token", "content": e["content"] },
        "403": { "description": "The token's role may not do this", "content": e["content"] },
        "404": { "description": "No such item", "content": e["content"] },
        "409": { "description": "Conflict (slug taken, edited meanwhile, in use)", "content": e["content"] },
        "413": { "description": "Body too large", "content": e["content"] },
        "422": { "description": "Invalid fields", "content": e["content"] }
    })
}

fn with_errors(mut ok: Value) -> Value {
    if let (Some(map), Value::Object(errors)) = (ok.as_object_mut(), error_responses()) {
        map.extend(errors);
    }
    ok
}

fn json_body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn one(schema: &str, status: &str, description: &str) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert(
        status.to_string(),
        json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } }),
    );
    with_errors(Value::Object(responses))
}

fn many(schema: &str) -> Value {
    with_errors(
        json!({ "200": { "description": "The list", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": format!("#/components/schemas/{schema}") } } } } } }),
    )
}

fn paged(schema: &str) -> Value {
    with_errors(
        json!({ "200": { "description": "One page of the list", "content": { "application/json": { "schema": {
        "type": "object",
        "properties": {
            "data": { "type": "array", "items": { "$ref": format!("#/components/schemas/{schema}") } },
            "page": { "type": "integer" }, "per_page": { "type": "integer" },
            "total": { "type": "integer" }, "total_pages": { "type": "integer" }
        }
    } } } } }),
    )
}

fn deleted() -> Value {
    with_errors(json!({ "204": { "description": "Deleted" } }))
}

fn id_param() -> Value {
    json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }])
}

fn page_params(extra: &[(&str, &str)]) -> Value {
    let mut params = vec![
        json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }),
        json!({ "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100 } }),
    ];
    for (name, kind) in extra {
        params.push(json!({ "name": name, "in": "query", "schema": { "type": kind } }));
    }
    Value::Array(params)
}

/// A collection and its items: list and create; read, update and delete.
fn resource(
    name: &str,
    schema: &str,
    write: &str,
    list: Value,
    list_params: Value,
) -> (Value, Value) {
    let collection = json!({
        "get": { "summary": format!("List {name}"), "parameters": list_params, "responses": list },
        "post": { "summary": format!("Create one of the {name}"), "requestBody": json_body(write), "responses": one(schema, "201", "Created") }
    });
    let item = json!({
        "parameters": id_param(),
        "get": { "summary": format!("Read one of the {name}"), "responses": one(schema, "200", "The item") },
        "patch": { "summary": format!("Update one of the {name}; absent fields keep their value"), "requestBody": json_body(write), "responses": one(schema, "200", "The updated item") },
        "delete": { "summary": format!("Delete one of the {name}"), "responses": deleted() }
    });
    (collection, item)
}

pub fn build() -> Value {
    let (articles, article) = resource(
        "articles",
        "Article",
        "ArticleWrite",
        paged("Article"),
        page_params(&[
            ("status", "string"),
            ("section_id", "integer"),
            ("tag_id", "integer"),
            ("author_id", "integer"),
            ("q", "string"),
        ]),
    );
    let (sections, section) = resource(
        "sections",
        "Section",
        "SectionWrite",
        many("Section"),
        json!([]),
    );
    let (tags, tag) = resource("tags", "Tag", "TagWrite", many("Tag"), json!([]));
    let (authors, author) = resource(
        "authors",
        "Author",
        "AuthorWrite",
        many("Author"),
        json!([]),
    );
    let (_, medium) = resource("media", "Media", "MediaWrite", paged("Media"), json!([]));
    let media = json!({
        "get": { "summary": "List the media library, newest first", "parameters": page_params(&[("q", "string")]), "responses": paged("Media") },
        "post": {
            "summary": "Upload an image (JPEG, PNG, WebP, GIF or AVIF)",
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": {
                "type": "object", "required": ["file"],
                "properties": { "file": { "type": "string", "format": "binary" }, "alt": { "type": "string" }, "caption": { "type": "string" }, "credit": { "type": "string" } }
            } } } },
            "responses": one("Media", "201", "Uploaded")
        }
    });
    let nullable_int = json!({ "type": ["integer", "null"] });
    let nullable_str = json!({ "type": ["string", "null"] });
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Broadsheet Admin API", "version": "1", "description": "Manage articles, media, sections, tags and authors. Authenticate with a personal access token created on the admin's Account page: `Authorization: Bearer bst_…`. The token acts with its owner's role." },
        "servers": [{ "url": "/" }],
        "security": [{ "token": [] }],
        "paths": {
            "/api/v1/openapi.json": { "get": { "summary": "This document", "security": [], "responses": { "200": { "description": "The OpenAPI document" } } } },
            "/api/v1/articles": articles, "/api/v1/articles/{id}": article,
            "/api/v1/sections": sections, "/api/v1/sections/{id}": section,
            "/api/v1/tags": tags, "/api/v1/tags/{id}": tag,
            "/api/v1/authors": authors, "/api/v1/authors/{id}": author,
            "/api/v1/media": media, "/api/v1/media/{id}": medium
        },
        "components": {
            "securitySchemes": { "token": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } } },
                "Status": { "type": "string", "enum": ["draft", "review", "scheduled", "published", "archived"] },
                "Article": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "headline": { "type": "string" }, "slug": { "type": "string" },
                    "standfirst": { "type": "string" },
                    "body_html": { "type": "string", "description": "The body in the document model's HTML (see docs/editing.md)" },
                    "body_markdown": { "type": "string", "description": "The same body in Markdown; blocks Markdown cannot express are kept as HTML" },
                    "section_id": { "type": "integer" }, "tag_ids": { "type": "array", "items": { "type": "integer" } },
                    "author_ids": { "type": "array", "items": { "type": "integer" } }, "lead_media_id": nullable_int,
                    "related_ids": { "type": "array", "items": { "type": "integer" }, "description": "Related articles pinned by an editor, shown first under the story (at most four)" },
                    "lead_alt": { "type": "string" }, "lead_caption": { "type": "string" }, "lead_credit": { "type": "string" },
                    "status": { "$ref": "#/components/schemas/Status" }, "published_at": { "type": ["string", "null"], "format": "date-time" },
                    "comments_open": { "type": "boolean" }, "newsletter_topic": nullable_str,
                    "seo_title": { "type": "string" }, "seo_description": { "type": "string" },
                    "version": { "type": "integer", "description": "Send back as `version` on update to detect a conflicting save" },
                    "url": nullable_str
                } },
                "ArticleWrite": { "type": "object", "additionalProperties": false, "description": "On create, `headline` and `section_id` are required.", "properties": {
                    "headline": { "type": "string" }, "slug": { "type": "string" }, "standfirst": { "type": "string" },
                    "body_html": { "type": "string", "description": "The body as HTML, normalised to the document model" },
                    "body_markdown": { "type": "string", "description": "The body as Markdown, instead of body_html" }, "section_id": { "type": "integer" },
                    "tag_ids": { "type": "array", "items": { "type": "integer" } },
                    "tags": { "type": "array", "items": { "type": "string" }, "description": "Tag names; missing tags are created" },
                    "author_ids": { "type": "array", "items": { "type": "integer" } }, "lead_media_id": nullable_int,
                    "related_ids": { "type": "array", "items": { "type": "integer" }, "description": "Related articles pinned by an editor, shown first under the story (at most four)" },
                    "lead_alt": { "type": "string" }, "lead_caption": { "type": "string" }, "lead_credit": { "type": "string" },
                    "status": { "$ref": "#/components/schemas/Status" }, "published_at": { "type": ["string", "null"], "format": "date-time" },
                    "comments_open": { "type": "boolean" }, "newsletter_topic": nullable_str,
                    "seo_title": { "type": "string" }, "seo_description": { "type": "string" }, "version": { "type": "integer" }
                } },
                "Section": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "slug": { "type": "string" }, "description": { "type": "string" }, "parent_id": nullable_int } },
                "SectionWrite": { "type": "object", "additionalProperties": false, "properties": { "name": { "type": "string" }, "slug": { "type": "string" }, "description": { "type": "string" }, "parent_id": nullable_int, "position": { "type": "integer" } } },
                "Tag": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "slug": { "type": "string" } } },
                "TagWrite": { "type": "object", "additionalProperties": false, "required": ["name"], "properties": { "name": { "type": "string" } } },
                "Author": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "slug": { "type": "string" }, "bio": { "type": "string" }, "x_handle": { "type": "string" }, "avatar_path": nullable_str } },
                "AuthorWrite": { "type": "object", "additionalProperties": false, "properties": { "name": { "type": "string" }, "bio": { "type": "string" }, "avatar_media_id": nullable_int, "x_handle": { "type": "string" } } },
                "Media": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "url": { "type": "string" }, "content_type": { "type": "string" },
                    "width": { "type": "integer" }, "height": { "type": "integer" }, "bytes": { "type": "integer" },
                    "alt": { "type": "string" }, "caption": { "type": "string" }, "credit": { "type": "string" },
                    "focal_x": { "type": "integer", "minimum": 0, "maximum": 1000 }, "focal_y": { "type": "integer", "minimum": 0, "maximum": 1000 }
                } },
                "MediaWrite": { "type": "object", "additionalProperties": false, "properties": { "alt": { "type": "string" }, "caption": { "type": "string" }, "credit": { "type": "string" }, "focal_x": { "type": "integer" }, "focal_y": { "type": "integer" } } }
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}
