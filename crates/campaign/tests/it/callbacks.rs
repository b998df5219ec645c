//! The journal's stores as the SDK's callback de-duplication: a callback handled by one
//! receiver is not acted on again by a restarted one, or by another sharing the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wxpay_campaign::journal::{PgCallbacks, SqliteCallbacks};
use wxpay_coupons::notify::CallbackDedup;
use wxpay_coupons::{CallbackHandler, CallbackOutcome, CallbackService};
use wxpay_testkit::callbacks::{apiv3_key, sent_callback};
use wxpay_testkit::pg::fresh_db;

use crate::pg::{fast, target};

/// A receiver over `store` counting what it acts on.
fn receiver(store: impl CallbackDedup, acted: Arc<AtomicUsize>) -> CallbackService {
    let handler = CallbackHandler::new(wxpay_testkit::platform_verifier(), apiv3_key());
    CallbackService::new(handler, move |_| {
        acted.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok::<(), std::convert::Infallible>(()))
    })
    .dedup(store)
}

async fn outcome(service: &CallbackService, id: &str) -> Option<CallbackOutcome> {
    let response = service.respond(sent_callback(id, "C1")).await;
    assert_eq!(response.status(), 200);
    response.extensions().get::<CallbackOutcome>().copied()
}

#[tokio::test]
async fn a_restarted_receiver_on_the_sqlite_store_skips_what_was_handled() {
    let dir = wxpay_testkit::temp_dir();
    let file = dir.path().join("callbacks.sqlite");
    let acted = Arc::new(AtomicUsize::new(0));
    let first = receiver(SqliteCallbacks::open(&file).unwrap(), acted.clone());
    assert_eq!(
        outcome(&first, "EV-1").await,
        Some(CallbackOutcome::Handled)
    );
    assert_eq!(
        outcome(&first, "EV-1").await,
        Some(CallbackOutcome::Duplicate)
    );
    drop(first);
    let restarted = receiver(SqliteCallbacks::open(&file).unwrap(), acted.clone());
    assert_eq!(
        outcome(&restarted, "EV-1").await,
        Some(CallbackOutcome::Duplicate)
    );
    assert_eq!(
        outcome(&restarted, "EV-2").await,
        Some(CallbackOutcome::Handled)
    );
    assert_eq!(acted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_sqlite_store_that_cannot_open_says_where() {
    let dir = wxpay_testkit::temp_dir();
    let err = SqliteCallbacks::open(&dir.path().join("missing/dir/callbacks.sqlite")).unwrap_err();
    assert!(
        err.to_string().contains("missing/dir/callbacks.sqlite"),
        "{err}"
    );
}

#[tokio::test]
async fn replicas_sharing_the_postgres_store_act_once() {
    let Some(db) = fresh_db("replicas_sharing_the_postgres_store_act_once").await else {
        return;
    };
    let acted = Arc::new(AtomicUsize::new(0));
    let target = target(&db.url);
    let a = PgCallbacks::connect(&target, fast(5_000)).await.unwrap();
    let b = PgCallbacks::connect(&target, fast(5_000)).await.unwrap();
    let (a, b) = (receiver(a, acted.clone()), receiver(b, acted.clone()));
    assert_eq!(outcome(&a, "EV-pg").await, Some(CallbackOutcome::Handled));
    assert_eq!(outcome(&b, "EV-pg").await, Some(CallbackOutcome::Duplicate));
    assert_eq!(outcome(&b, "EV-pg2").await, Some(CallbackOutcome::Handled));
    assert_eq!(acted.load(Ordering::SeqCst), 2);
}
