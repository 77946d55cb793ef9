//! `IORING_OP_NOP`.

use super::{OpCode, Perform};
use io_uring::{opcode, squeue::Entry};
use std::io;

/// Does nothing in the kernel; completes with 0. Measures the ring itself.
#[derive(Debug, Default)]
pub struct Nop;

// SAFETY: the SQE points at no memory.
unsafe impl OpCode for Nop {
    type Output = io::Result<()>;
    fn create_entry(&mut self) -> Entry {
        opcode::Nop::new().build()
    }
    fn perform_mode(&self) -> Perform<'_> {
        Perform::Inline
    }
    fn perform(&mut self) -> io::Result<u32> {
        Ok(0)
    }
    fn complete(self, result: io::Result<u32>, _flags: u32) -> io::Result<()> {
        result.map(drop)
    }
}
