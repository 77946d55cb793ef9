//! Attribute macros for ringbolt.
