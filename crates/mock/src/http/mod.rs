//! HTTP: the server (plain, TLS, the HTTPS proxy's tunnels), the route table of the API, the admin API and the console.

pub(crate) mod admin;
pub(crate) mod console;
pub(crate) mod proxy;
pub(crate) mod router;
pub(crate) mod server;
pub(crate) mod wire;
