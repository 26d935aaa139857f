//! People who run the newsroom: accounts, roles and capabilities, passwords, sessions and
//! one-time links. The admin and the API ask this room who is signed in and what they may do.

pub mod can;
pub mod links;
pub mod password;
pub mod roles;
pub mod service;
mod store;

pub use roles::{Capability, Role, allows};
