//! Stage 3 — the command line: `qtvr info`, `qtvr export` (and, later, `render`).
//! Only this module prints.

pub mod export;
pub mod info;
