//! Broadsheet: a self-hosted news publishing platform in one binary.
//!
//! One room per capability (articles, media, newsletters, site), each with its routes, handlers,
//! service and SQL side by side; shared plumbing (config, db, error, templates, web) in its own.
//! A request flows router → handler → service → store.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod app;
pub mod articles;
pub mod backup;
pub mod cache;
pub mod clock;
pub mod commands;
pub mod comments;
pub mod config;
pub mod cpu;
pub mod db;
pub mod demo;
pub mod error;
pub mod feeds;
pub mod fronts;
pub mod ghost_api;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod newsletters;
pub mod pages;
pub mod rate_limit;
pub mod search;
pub mod secrets;
pub mod site;
pub mod state;
pub mod telemetry;
pub mod templates;
pub mod web;
pub mod wordpress_api;
