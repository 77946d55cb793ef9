//! ringbolt-net: TCP, UDP and Unix sockets on io_uring. Not built yet: it waits for the reactor.
