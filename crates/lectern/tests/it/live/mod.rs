//! Live sessions against zoom-sim, on SQLite and PostgreSQL, one story per module. The
//! `Live` fixture they build on is `crate::support::live`.

mod attendance;
mod attendance_people;
pub(crate) mod dashboard;
mod expiry;
mod join;
mod reconcile;
mod recordings;
mod start;
mod student_report;
mod view_cache;
mod webhooks;
