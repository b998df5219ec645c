//! One attempt's HTTP exchange as a tower [`Service`]: the built-in pooled hyper client, or a
//! client of the user's, wrapped in the user's layers. The transport signs before and verifies
//! after; what runs in between is this service.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use tower::util::BoxCloneSyncService;
use tower_layer::Layer;
use tower_service::Service;

use crate::connector::HttpClient;

/// A boxed error, as tower services return them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One attempt's request: signed headers set, the exact body bytes (never change them: they
/// are what the signature covers).
pub type HttpRequest = http::Request<Full<Bytes>>;

/// An answer's body as clients and layers hand it back.
pub type HttpBody = UnsyncBoxBody<Bytes, BoxError>;

/// One attempt's answer.
pub type HttpResponse = http::Response<HttpBody>;

/// The exchange every attempt goes through: what [`TransportBuilder::layer`] wraps and what
/// [`TransportBuilder::http_client`] replaces.
///
/// [`TransportBuilder::layer`]: crate::TransportBuilder::layer
/// [`TransportBuilder::http_client`]: crate::TransportBuilder::http_client
pub type HttpService = BoxCloneSyncService<HttpRequest, HttpResponse, BoxError>;

/// Returned (or found in the source chain of an error returned) by an injected HTTP client
/// when no connection could be made: the request surely did not arrive, so the transport may
/// resend any request and fails over to the backup domain. Any other error counts as a lost
/// answer, which only requests safe to resend are resent after.
///
/// ```
/// use wxpay_transport::exchange::ConnectError;
/// let e = ConnectError::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
/// assert_eq!(e.to_string(), "connection failed");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("connection failed")]
pub struct ConnectError(#[source] BoxError);

impl ConnectError {
    /// Wraps the client's own error.
    pub fn new(source: impl Into<BoxError>) -> Self {
        Self(source.into())
    }
}

/// What [`send`] gives back: the answer's head, and its body or why it was not read.
pub(crate) type Sent = (http::response::Parts, Result<Bytes, BoxError>);

/// Sends `request` through `service` and reads the whole answer, at most `limit` bytes.
/// Boxed, so that the caller's future stays `Send` (with `dyn Error` bodies inline, rustc's
/// auto-trait check of an async block fails on a higher-ranked lifetime).
pub(crate) fn send(
    service: &HttpService,
    request: HttpRequest,
    limit: usize,
) -> Pin<Box<dyn Future<Output = Result<Sent, BoxError>> + Send>> {
    use tower::ServiceExt as _;
    let service = service.clone();
    Box::pin(async move {
        let (parts, body) = match service.oneshot(request).await {
            Ok(response) => response.into_parts(),
            Err(e) => return Err(e),
        };
        Ok((parts, read(body, limit).await))
    })
}

/// An answer over the size limit.
#[derive(Debug, thiserror::Error)]
#[error("answer body over the limit")]
pub(crate) struct BodyTooLarge;

/// The whole body, or [`BodyTooLarge`] past `limit` bytes. (Not `Limited`: its
/// `Into<BoxError>` bound on a boxed body trips the same `Send` check.)
async fn read(mut body: HttpBody, limit: usize) -> Result<Bytes, BoxError> {
    let mut buf = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let data = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => data,
                Err(_trailers) => continue,
            },
            Err(e) => return Err(e),
        };
        if buf.len() + data.len() > limit {
            return Err(Box::new(BodyTooLarge));
        }
        buf.extend_from_slice(&data);
    }
    Ok(buf.freeze())
}

/// Boxes any HTTP client (a tower [`Service`] of [`HttpRequest`]) as an [`HttpService`].
pub(crate) fn boxed<S, B>(service: S) -> HttpService
where
    S: Service<HttpRequest, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    use tower::ServiceExt as _;
    BoxCloneSyncService::new(
        service
            .map_response(|r: http::Response<B>| r.map(|b| b.map_err(Into::into).boxed_unsync()))
            .map_err(Into::into),
    )
}

/// The built-in client as an [`HttpService`].
pub(crate) fn hyper_service(client: HttpClient) -> HttpService {
    boxed(client)
}

/// The user's choices about the exchange, applied when the transport is built.
#[derive(Default)]
pub(crate) struct ExchangeSetup {
    pub(crate) client: Option<HttpService>,
    pub(crate) layers: Vec<Box<dyn FnOnce(HttpService) -> HttpService + Send + Sync>>,
}

impl ExchangeSetup {
    pub(crate) fn push_layer<L, S, B>(&mut self, layer: L)
    where
        L: Layer<HttpService, Service = S> + Send + Sync + 'static,
        S: Service<HttpRequest, Response = http::Response<B>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.layers
            .push(Box::new(move |inner| boxed(layer.layer(inner))));
    }

    /// The client (built-in unless injected) inside every layer, the last added outermost.
    pub(crate) fn build(
        self,
        built_in: impl FnOnce() -> Result<HttpService, rustls::Error>,
    ) -> Result<HttpService, rustls::Error> {
        let mut service = match self.client {
            Some(client) => client,
            None => built_in()?,
        };
        for layer in self.layers {
            service = layer(service);
        }
        Ok(service)
    }
}

impl fmt::Debug for ExchangeSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeSetup")
            .field(
                "client",
                &if self.client.is_some() {
                    "injected"
                } else {
                    "built-in"
                },
            )
            .field("layers", &self.layers.len())
            .finish()
    }
}

/// Whether an exchange error means no connection was made (refused, DNS, TLS, proxy): the
/// built-in client's connect errors and [`ConnectError`] anywhere in the source chain.
pub(crate) fn is_connect(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<ConnectError>() {
            return true;
        }
        if let Some(e) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            return e.is_connect();
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_are_found_anywhere_in_the_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("layer")]
        struct Wrapper(#[source] ConnectError);
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let wrapped = Wrapper(ConnectError::new(refused));
        assert!(is_connect(&wrapped));
        let lost = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(!is_connect(&lost));
    }
}
