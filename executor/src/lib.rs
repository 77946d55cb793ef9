//! ringbolt-executor
