//! Stage 3 — the command line: `qtvr info` (and, later, `render`, `export`).
//! Only this module prints.

pub mod info;
