//! `qtvr export --to pannellum` (being written).
