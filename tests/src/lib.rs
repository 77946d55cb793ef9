//! ringbolt-tests: integration, stress and fault tests live in `tests/`.
