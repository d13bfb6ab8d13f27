//! Live sessions against zoom-sim, on SQLite and PostgreSQL, one story per module. The
//! `Live` fixture they build on is `crate::support::live`.

mod attendance;
pub(crate) mod dashboard;
mod expiry;
mod join;
mod reconcile;
mod recordings;
mod start;
mod webhooks;
