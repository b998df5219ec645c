//! The PostgreSQL schema, versioned: every change is a new numbered migration, applied once,
//! in order, under an advisory lock so that workers starting together do not race.

use deadpool_postgres::Client;

use super::conn::Fail;
use crate::journal::JournalError;

/// A schema change.
struct Migration {
    version: i32,
    name: &'static str,
    sql: &'static str,
}

/// The newest schema this build knows.
pub const SCHEMA_VERSION: i32 = 2;

/// `pg_advisory_xact_lock` key: "wxpay" in ASCII.
const MIGRATION_LOCK: i64 = 0x77_78_70_61_79;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "campaigns, rows, workers, rate budget",
        sql: "
CREATE TABLE wxpay.campaigns (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    campaign_id text NOT NULL UNIQUE,
    meta text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- One GCRA state per campaign: the theoretical arrival time of the next call, in ns of the
-- server's clock. Apart from campaigns so that its frequent updates stay small.
CREATE TABLE wxpay.budgets (
    campaign bigint PRIMARY KEY REFERENCES wxpay.campaigns (id) ON DELETE CASCADE,
    rate_per_sec integer NOT NULL CHECK (rate_per_sec > 0),
    tat_ns bigint NOT NULL DEFAULT 0
);
CREATE TABLE wxpay.workers (
    campaign bigint NOT NULL REFERENCES wxpay.campaigns (id) ON DELETE CASCADE,
    worker text NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz NOT NULL,
    PRIMARY KEY (campaign, worker)
);
CREATE TABLE wxpay.campaign_rows (
    campaign bigint NOT NULL REFERENCES wxpay.campaigns (id) ON DELETE CASCADE,
    row_no bigint NOT NULL,
    line bigint NOT NULL,
    openid text NOT NULL,
    stock_id text NOT NULL,
    product_coupon_id text NOT NULL,
    appid text NOT NULL,
    brand_id text NOT NULL,
    attach text,
    member_card_id text,
    coupon_code text,
    send_request_no text NOT NULL,
    state text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'in_flight', 'issued', 'failed')),
    owner text,
    claim_seq bigint,
    retryable boolean NOT NULL DEFAULT false,
    attempts integer NOT NULL DEFAULT 0,
    issued_code text,
    confirm_state text CHECK (confirm_state IN ('in_flight', 'confirmed', 'failed')),
    confirm_owner text,
    confirm_retryable boolean NOT NULL DEFAULT false,
    coupon_state text,
    confirm_error text,
    error_code text,
    error_message text,
    request_id text,
    updated_at timestamptz,
    PRIMARY KEY (campaign, row_no),
    UNIQUE (campaign, send_request_no)
);
CREATE INDEX campaign_rows_pending ON wxpay.campaign_rows (campaign, row_no)
    WHERE state = 'pending';
CREATE INDEX campaign_rows_in_flight ON wxpay.campaign_rows (campaign, owner)
    WHERE state = 'in_flight';
CREATE INDEX campaign_rows_to_confirm ON wxpay.campaign_rows (campaign, row_no)
    WHERE state = 'issued' AND (confirm_state IS NULL OR confirm_state = 'in_flight');
",
    },
    Migration {
        version: 2,
        name: "handled callback ids",
        sql: "
-- Ids of callbacks a receiver handled (wxpay_coupons' CallbackDedup): one row per id.
CREATE TABLE wxpay.callbacks_handled (
    id text PRIMARY KEY,
    handled_at timestamptz NOT NULL DEFAULT now()
);
",
    },
];

/// Brings the database's schema up to [`SCHEMA_VERSION`]; returns the version found before.
/// Refuses a database whose schema is newer than this build.
pub(crate) async fn migrate(mut client: Client, target: &str) -> Result<i32, Fail> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS wxpay;
         CREATE TABLE IF NOT EXISTS wxpay.schema_migrations (
             version integer PRIMARY KEY,
             name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         );",
    )
    .await?;
    let found: i32 = tx
        .query_one(
            "SELECT COALESCE(max(version), 0) FROM wxpay.schema_migrations",
            &[],
        )
        .await?
        .get(0);
    if found > SCHEMA_VERSION {
        return Err(Fail::Invalid(JournalError::Invalid {
            path: target.to_owned(),
            problem: format!(
                "the journal's schema is version {found}, newer than this wxpay knows \
                 ({SCHEMA_VERSION}): upgrade wxpay"
            ),
        }));
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        tx.batch_execute(m.sql).await?;
        tx.execute(
            "INSERT INTO wxpay.schema_migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )
        .await?;
        tracing::info!("journal {target}: schema migrated to version {}", m.version);
    }
    tx.commit().await?;
    Ok(found)
}
