//! Moving a newsroom in from WordPress: the WXR export read as a stream ([`wxr`]) with its
//! PHP-serialised meta ([`php`]), what each thing of it becomes ([`mapping`]), and the import
//! itself ([`service`]), which writes through the other rooms' services like every other door.
//! `broadsheet import wordpress` ([`command`]) runs it. The way back out is here too: the site
//! as a WordPress export ([`export`]), so a newsroom can leave as easily as it came.

pub mod command;
pub mod export;
mod mapping;
pub mod php;
pub mod service;
mod store;
pub mod summary;
pub mod wxr;
