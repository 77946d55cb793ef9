//! ringbolt-fs: files and directories on io_uring. Not built yet: it waits for the reactor.
