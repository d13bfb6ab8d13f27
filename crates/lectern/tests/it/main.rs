//! Lectern's one integration-test binary. `support` starts the real app; every test below
//! runs on SQLite and on PostgreSQL (`db_test!`). See docs/TESTING.md.

#[macro_use]
mod support;

mod accounts;
mod analytics;
mod api;
mod bookings;
mod browser;
mod browser_analytics;
mod browser_api;
mod browser_bookings;
mod browser_campaigns;
mod browser_completion;
mod browser_courses;
mod browser_dashboard;
mod browser_discussions;
mod browser_files;
mod browser_languages;
mod browser_live;
mod browser_live_options;
mod browser_payments;
mod browser_real_sdk;
mod browser_series;
mod browser_ui;
mod campaigns;
mod certificates;
mod cli;
mod completion;
mod courses;
mod discussions;
mod files;
mod invitations;
mod jobs;
mod languages;
mod live;
mod live_access;
mod live_connection;
mod live_options;
mod live_push;
mod live_webinar;
mod mail_delivery;
mod mail_secrets;
mod ops;
mod payments;
mod reminders;
mod schema;
mod security;
mod series;
mod session_cache;
mod tenancy;
mod usage_stats;
mod zoom_connection;
mod zoom_wipe;
