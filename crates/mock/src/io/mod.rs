//! I/O around the service: callback delivery over HTTP(S), the media clock, and the state
//! file.

pub(crate) mod deliver;
pub(crate) mod state;
pub(crate) mod tick;
