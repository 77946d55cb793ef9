//! ringbolt-benches: criterion benches and the comparison binary.
