//! ringbolt: placeholder
