//! Moving a newsroom in from WordPress: the WXR export read as a stream ([`wxr`]), its
//! PHP-serialised meta ([`php`]); the mapping
//! onto articles, pages, people, sections, tags, media and comments follows (#20).

pub mod php;
pub mod wxr;
