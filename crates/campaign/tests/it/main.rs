//! wxpay-campaign's integration tests, one binary: the engine on SQLite (`engine`) and on
//! PostgreSQL (`pg`, skipped with a printed reason unless `WXPAY_TEST_PG` names a server).

mod callbacks;
mod engine;
mod input;
mod pg;
mod pg_faults;
