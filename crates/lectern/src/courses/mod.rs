//! Courses and their ordered lessons.

pub mod routes;
pub mod seed;
