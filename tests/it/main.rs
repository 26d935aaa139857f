//! The integration tests: one binary, every test on SQLite and on PostgreSQL.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod support;

mod admin;
mod api;
mod backup;
mod cli;
mod comments;
mod crashes;
mod document_model;
mod doors;
mod faults;
mod feeds;
mod fronts;
mod ghost_api;
mod ghost_api_parity;
mod hardening;
mod html_validity;
mod http;
mod images;
mod import;
mod invalidation;
mod jobs;
mod mail;
mod media;
mod media_store;
mod migrations;
mod newsletter_sends;
mod newsletters;
mod nodes;
mod pages;
mod proxy;
mod restart;
mod screens;
mod search;
mod site_pages;
mod sitemaps;
mod snapshots;
mod soak;
mod structure;
mod telemetry;
mod theme_docs;
mod varnish;
mod wordpress_api;
mod wordpress_api_parity;
mod wordpress_api_writes;
mod wordpress_round_trip;
mod workflow;
