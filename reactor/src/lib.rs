//! ringbolt-reactor: one io_uring ring per thread (ops, owned buffers, completions, timers). Being built.
