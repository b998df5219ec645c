//! Where the client config's secrets come from: a file, the config itself (inline), or an
//! environment variable — exactly one of them — and [`Secret`], which keeps inline key
//! material out of `Debug` output.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

use crate::error::ConfigError;

/// Key material written inline in a config (`private_key_pem`, `apiv3_key`). `Debug` shows
/// `Secret(..)`, never the value.
///
/// ```
/// let secret = wxpay_transport::Secret::new("-----BEGIN PRIVATE KEY-----\nMIIE…");
/// assert_eq!(format!("{secret:?}"), "Secret(..)");
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// One secret's three possible sources, with the config keys that name them.
pub(crate) struct Sources<'a> {
    pub(crate) file: (&'static str, Option<&'a PathBuf>),
    pub(crate) inline: (&'static str, Option<&'a Secret>),
    pub(crate) env: (&'static str, Option<&'a String>),
}

/// Where a secret was found.
pub(crate) enum Source<'a> {
    File(&'static str, &'a PathBuf),
    Inline(&'static str, &'a Secret),
    Env(&'static str, &'a String),
}

impl<'a> Sources<'a> {
    fn names(&self) -> String {
        format!("{}, {} or {}", self.file.0, self.inline.0, self.env.0)
    }

    /// The one source given; `None` when none is (the caller decides whether that is an
    /// error); an error naming all three when more than one is.
    pub(crate) fn one(&self) -> Result<Option<Source<'a>>, ConfigError> {
        let mut given = Vec::new();
        if let Some(path) = self.file.1 {
            given.push(Source::File(self.file.0, path));
        }
        if let Some(value) = self.inline.1 {
            given.push(Source::Inline(self.inline.0, value));
        }
        if let Some(name) = self.env.1 {
            given.push(Source::Env(self.env.0, name));
        }
        if given.len() > 1 {
            let keys: Vec<&str> = given.iter().map(Source::key).collect();
            return Err(ConfigError::Invalid {
                key: self.file.0,
                problem: format!(
                    "{} are all set: give exactly one of {}",
                    keys.join(" and "),
                    self.names()
                ),
            });
        }
        Ok(given.pop())
    }

    /// The one source given, or an error naming the three keys.
    pub(crate) fn required(&self, what: &str) -> Result<Source<'a>, ConfigError> {
        self.one()?.ok_or_else(|| ConfigError::Invalid {
            key: self.file.0,
            problem: format!("{what} is missing: set exactly one of {}", self.names()),
        })
    }
}

impl Source<'_> {
    /// The config key this source was given under.
    pub(crate) fn key(&self) -> &'static str {
        match self {
            Source::File(key, _) | Source::Inline(key, _) | Source::Env(key, _) => key,
        }
    }
}

/// The value of environment variable `name` (config key `key`). A PEM written on one line
/// with `\n` escapes, as container tooling often passes it, gets its line breaks back.
pub(crate) fn from_env(key: &'static str, name: &str) -> Result<String, ConfigError> {
    let value = std::env::var(name).map_err(|e| ConfigError::Invalid {
        key,
        problem: match e {
            std::env::VarError::NotPresent => {
                format!("environment variable {name} is not set")
            }
            std::env::VarError::NotUnicode(_) => {
                format!("environment variable {name} is not valid UTF-8")
            }
        },
    })?;
    if value.trim().is_empty() {
        return Err(ConfigError::Invalid {
            key,
            problem: format!("environment variable {name} is empty"),
        });
    }
    Ok(if !value.contains('\n') && value.contains("\\n") {
        value.replace("\\n", "\n")
    } else {
        value
    })
}
