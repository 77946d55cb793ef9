//! `user_data` encoding (rule 8): the kernel echoes these 64 bits back in the
//! CQE, and the home ring decodes them without trusting any memory.
//!
//! ```text
//!  63..60   59..32       31..0
//!  tag      generation   slot index
//! ```
//!
//! A slot of the op table is reused after its op is freed, but its generation
//! changes, so a late cancel (or a stale CQE) for the old op names a different
//! `user_data` and can never hit the new one.

/// What a CQE belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    /// A single-shot op in the op table (slot + generation).
    Op = 1,
    /// A wake message (`MSG_RING`) or the armed eventfd read.
    Wake = 2,
    /// An `ASYNC_CANCEL` the reactor issued; its result is informational.
    Cancel = 3,
    /// A multishot op in the op table: a CQE with `IORING_CQE_F_MORE` is
    /// not its last.
    Multishot = 4,
}

/// Generations are 28 bits wide and wrap.
pub(crate) const GENERATION_MASK: u32 = (1 << 28) - 1;

/// Packs a tag, a generation and a slot.
pub(crate) fn encode(tag: Tag, generation: u32, slot: u32) -> u64 {
    ((tag as u64) << 60) | (u64::from(generation & GENERATION_MASK) << 32) | u64::from(slot)
}

/// Unpacks what [`encode`] packed; `None` for a tag this reactor never uses.
pub(crate) fn decode(user_data: u64) -> Option<(Tag, u32, u32)> {
    let tag = match user_data >> 60 {
        1 => Tag::Op,
        2 => Tag::Wake,
        3 => Tag::Cancel,
        4 => Tag::Multishot,
        _ => return None,
    };
    let generation = ((user_data >> 32) as u32) & GENERATION_MASK;
    Some((tag, generation, user_data as u32))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_distinct_generations() {
        let a = encode(Tag::Op, 5, 9);
        let b = encode(Tag::Op, 6, 9);
        assert_ne!(a, b);
        assert_eq!(decode(a), Some((Tag::Op, 5, 9)));
        assert_eq!(
            decode(encode(Tag::Cancel, GENERATION_MASK + 3, u32::MAX)),
            Some((Tag::Cancel, 2, u32::MAX))
        );
        assert_eq!(decode(0), None);
    }
}
