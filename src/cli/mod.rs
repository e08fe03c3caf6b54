//! Stage 3 — the command line: `qtvr info`, `qtvr render`, `qtvr export`.
//! Only this module prints.

pub mod export;
pub mod info;
pub mod render;
