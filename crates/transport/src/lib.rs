//! HTTP transport for WeChat Pay APIv3, usable for any endpoint: hyper 1 + rustls on the
//! signing crate's crypto backend (aws-lc-rs by default, ring by feature).
//!
//! [`Transport::execute`] signs every attempt (fresh timestamp and nonce over the same body
//! bytes), verifies every 2xx answer and any other that carries a signature, retries what is
//! safe to retry — 429, 5xx, timeouts, connection errors, lost answers, answers that fail
//! verification — with exponential backoff and full jitter, fails over from
//! `api.mch.weixin.qq.com` to `api2.mch.weixin.qq.com` when the primary cannot be reached, and
//! paces itself under a rate limit shared by all clones. Business errors (4xx) are never
//! retried: they come back as the final answer.
//!
//! Whether a call may be resent is the operation's fact, not the transport's assumption:
//! [`Transport::call`] takes it from the [`wxpay_models::Operation`]. Reads and writes whose
//! body carries a request number (`send_request_no`, `out_request_no`, …) are resent with
//! the same bytes — WeChat Pay answers a repeated number with the first result — while a
//! write without one is resent only when it surely did not arrive (connection refused, 429).
//! Each operation is paced under its documented rate limit in the client's mode.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use wxpay_transport::{ClientConfig, Transport};
//! let transport = Transport::from_config(&ClientConfig::from_file("client.toml")?)?;
//! let answer = transport
//!     .execute(http::Method::GET, "/v3/certificates", bytes::Bytes::new())
//!     .await?;
//! println!("{} {:?}", answer.status, answer.request_id);
//! # Ok(()) }
//! ```

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod certificate_list;
pub mod certificates;
pub mod config;
mod connector;
mod endpoints;
mod error;
pub mod exchange;
mod key_source;
mod key_store;
pub mod metrics;
mod options;
mod pacer;
mod retry;
mod transport;

pub use certificate_list::PlatformCertificate;
pub use config::{ClientConfig, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL, is_loopback};
pub use error::{CertificateError, ConfigError, TransportError};
pub use key_source::Secret;
pub use key_store::SharedKeyStore;
pub use options::CallOptions;
pub use retry::{RetryPolicy, retryable_status};
pub use transport::{ApiResponse, MAX_RESPONSE_BYTES, Transport, TransportBuilder};
