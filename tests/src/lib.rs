//! ringbolt-tests: integration, stress and fault tests live in `tests/`
//! (`tests/interleavings.rs` needs the `chaos` feature); the soak test is
//! the `soak` binary (`src/bin/soak/`).
//!
//! The README is compiled here too, so its example keeps working.
#![doc = include_str!("../../README.md")]
