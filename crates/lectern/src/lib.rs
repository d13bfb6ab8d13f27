//! Lectern: a self-hostable online course platform with first-class Zoom live sessions.
//! `docs/ARCHITECTURE.md` maps the modules and the data flow.

pub mod accounts;
pub mod analytics;
pub mod api;
pub mod app;
#[cfg(test)]
mod architecture_tests;
pub mod bookings;
pub mod campaigns;
pub mod certificates;
pub mod cli;
pub mod config;
pub mod courses;
pub mod crypto;
pub mod db;
#[cfg(feature = "demo")]
pub mod demo;
pub mod discussions;
pub mod email;
pub mod export;
pub mod files;
pub mod i18n;
pub mod jobs;
pub mod live;
pub mod ops;
pub mod outbound;
pub mod payments;
pub mod push;
pub mod schools;
pub mod server;
pub mod telemetry;
pub mod web;
pub mod webhooks;
pub mod zoom_connection;
