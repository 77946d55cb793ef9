//! ringbolt-tests: integration, stress and fault tests live in `tests/`.
//!
//! The README is compiled here too, so its example keeps working.
#![doc = include_str!("../../README.md")]
