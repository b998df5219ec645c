//! HTTP transport for WeChat Pay APIv3: signed requests, verified responses.

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod config;

pub use config::{ClientConfig, ConfigError, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL};
