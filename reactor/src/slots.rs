//! [`OpSlots`]: the op table, filled by the ring's owner and emptied by
//! whichever thread holds the ring's completion lock.
//!
//! A CQE names its op by slot index and generation (`user_data`, rule 8).
//! The owner thread fills slots when it submits, with no lock and no locked
//! instruction; the thread that dispatches the op's final CQE empties the
//! slot. That thread is usually the owner, but it may be another worker
//! reaping for an owner stuck in a long poll (see
//! [`completion`](crate::completion)), so slots live in chunks that never
//! move, and each slot publishes its entry through one atomic word.
//!
//! Rules:
//! 1. A slot is *free* while its index is on the owner's free list (or
//!    beyond the high-water mark). Only the owner fills a free slot: it
//!    writes the entry, then stores `generation << 2 | multishot << 1 |
//!    OCCUPIED` with `Release`, before the op's SQE is queued.
//! 2. Only the holder of the completion lock reads or takes the entry of an
//!    occupied slot, after an `Acquire` load of its word shows the
//!    generation its CQE names (pairing with rule 1's store). A CQE exists
//!    only after its SQE was submitted, which is after rule 1's store.
//! 3. The lock holder empties the slot on the op's final CQE (clears
//!    `OCCUPIED` and takes the entry) and puts the index on the
//!    lock-protected list of freed slots. Only the owner moves freed
//!    indices to its own free list, while it holds the lock, so a slot is
//!    never refilled while another thread may still look at it.
//! 4. The next fill of a slot uses the next generation, so a late cancel
//!    or a stale `user_data` never names the new op.
//! 5. Any thread may read a slot's word (the owner does, to check that an
//!    op is still in flight before cancelling it); a word read while the
//!    lock holder empties the slot is stale but harmless: a cancel for an op
//!    that just completed finds nothing in the kernel.

use crate::sync::{AtomicU32, UnsafeCell};
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::OnceLock;

use crate::user_data::GENERATION_MASK;

/// The low bit of a slot's word: the slot holds an op.
const OCCUPIED: u32 = 1;
/// The op in the slot is multishot.
const MULTISHOT: u32 = 2;
/// The generation sits above the two flag bits.
const GENERATION_SHIFT: u32 = 2;
/// Slots in the first chunk; chunk `k` holds `FIRST_CHUNK << k`.
const FIRST_CHUNK: usize = 64;
/// Chunks enough for every 32-bit slot index.
const CHUNKS: usize = 27;

/// One slot: its word (`generation << 2 | MULTISHOT | OCCUPIED`) and its
/// entry.
struct Slot<E> {
    word: AtomicU32,
    entry: UnsafeCell<Option<E>>,
}

/// See the module documentation.
pub(crate) struct OpSlots<E> {
    chunks: [OnceLock<Box<[Slot<E>]>>; CHUNKS],
}

// SAFETY: an entry is written by the owner only while its slot is free
// (rule 1) and read or taken only by the completion-lock holder after the
// Release/Acquire pair on the slot's word (rules 2, 3), so no two threads
// touch one entry at once; entries move between threads, hence `E: Send`.
unsafe impl<E: Send> Sync for OpSlots<E> {}
// SAFETY: as for `Sync`.
unsafe impl<E: Send> Send for OpSlots<E> {}

/// Chunk and offset of slot `index`.
fn locate(index: u32) -> (usize, usize) {
    let i = index as usize + FIRST_CHUNK;
    let chunk =
        (usize::BITS - 1 - i.leading_zeros()) as usize - FIRST_CHUNK.trailing_zeros() as usize;
    (chunk, i - (FIRST_CHUNK << chunk))
}

impl<E> OpSlots<E> {
    pub(crate) fn new() -> Self {
        OpSlots {
            chunks: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    fn slot(&self, index: u32) -> Option<&Slot<E>> {
        let (chunk, offset) = locate(index);
        self.chunks.get(chunk)?.get()?.get(offset)
    }

    /// Owner: puts `entry` in free slot `index` (growing the table when
    /// `index` is new) under the slot's next generation, which it returns
    /// (rules 1, 4).
    ///
    /// # Safety
    /// Call only on the owner thread, with `index` free (rule 1).
    pub(crate) unsafe fn fill(&self, index: u32, multishot: bool, entry: E) -> u32 {
        let (chunk, offset) = locate(index);
        let slots = self.chunks[chunk].get_or_init(|| {
            (0..FIRST_CHUNK << chunk)
                .map(|_| Slot {
                    word: AtomicU32::new(0),
                    entry: UnsafeCell::new(None),
                })
                .collect()
        });
        let slot = &slots[offset];
        // Relaxed: the owner wrote this word last, or got the slot back
        // through the lock after the emptying store (rule 3).
        let generation = ((slot.word.load(Relaxed) >> GENERATION_SHIFT) + 1) & GENERATION_MASK;
        // SAFETY: the slot is free (caller's contract), so no other thread
        // reads its entry until the Release store below publishes it.
        slot.entry.with_mut(|e| unsafe { *e = Some(entry) });
        let flags = if multishot {
            MULTISHOT | OCCUPIED
        } else {
            OCCUPIED
        };
        // Release: publishes the entry to the lock holder's Acquire (rule 2).
        slot.word
            .store((generation << GENERATION_SHIFT) | flags, Release);
        generation
    }

    /// The op in slot `index`, if any: its generation and whether it is
    /// multishot (rule 5: a hint while another thread may empty it).
    pub(crate) fn live(&self, index: u32) -> Option<(u32, bool)> {
        let word = self.slot(index)?.word.load(Acquire);
        (word & OCCUPIED != 0).then_some((word >> GENERATION_SHIFT, word & MULTISHOT != 0))
    }

    /// Whether slot `index` holds the op of `generation` (rule 5).
    pub(crate) fn is_live(&self, index: u32, generation: u32) -> bool {
        self.live(index)
            .is_some_and(|(g, _)| g == generation & GENERATION_MASK)
    }

    /// The slot's word if it holds the op of `generation`.
    fn occupied_by(&self, index: u32, generation: u32) -> Option<(&Slot<E>, u32)> {
        let slot = self.slot(index)?;
        // Acquire: pairs with `fill`'s Release (rule 2).
        let word = slot.word.load(Acquire);
        (word & OCCUPIED != 0 && word >> GENERATION_SHIFT == generation & GENERATION_MASK)
            .then_some((slot, word))
    }

    /// Lock holder: runs `f` on the entry of the op `(index, generation)`;
    /// `None` when no such op is in the table.
    ///
    /// # Safety
    /// Call only while holding the ring's completion lock (rule 2), and do
    /// not call [`take`](Self::take) on the same slot from inside `f`.
    pub(crate) unsafe fn with_entry<R>(
        &self,
        index: u32,
        generation: u32,
        f: impl FnOnce(&E) -> R,
    ) -> Option<R> {
        let (slot, _) = self.occupied_by(index, generation)?;
        // SAFETY: occupied with our generation, and we hold the lock, so
        // only we may take the entry (rule 3), and the caller does not do so
        // while `f` runs.
        slot.entry.with_mut(|e| unsafe { (*e).as_ref() }.map(f))
    }

    /// Lock holder: empties the slot of op `(index, generation)` and
    /// returns its entry (rule 3); the caller then frees the index.
    ///
    /// # Safety
    /// Call only while holding the ring's completion lock.
    pub(crate) unsafe fn take(&self, index: u32, generation: u32) -> Option<E> {
        let (slot, word) = self.occupied_by(index, generation)?;
        // SAFETY: occupied with our generation and we hold the lock: we are
        // the only thread that may touch the entry (rules 2, 3).
        let entry = slot.entry.with_mut(|e| unsafe { (*e).take() });
        slot.word.store(word & !OCCUPIED, Release);
        entry
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn locate_covers_every_index_once() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(63), (0, 63));
        assert_eq!(locate(64), (1, 0));
        assert_eq!(locate(191), (1, 127));
        assert_eq!(locate(192), (2, 0));
        let (chunk, offset) = locate(u32::MAX);
        assert!(chunk < CHUNKS && offset < FIRST_CHUNK << chunk);
    }

    #[test]
    fn fill_take_and_generations() {
        let slots = OpSlots::<u32>::new();
        // SAFETY: single-threaded test: this thread is owner and lock holder.
        unsafe {
            let g = slots.fill(70, true, 7);
            assert_eq!(g, 1);
            assert_eq!(slots.live(70), Some((1, true)));
            assert!(slots.is_live(70, 1));
            assert!(!slots.is_live(70, 2));
            assert_eq!(slots.with_entry(70, 1, |e| *e), Some(7));
            assert_eq!(slots.take(70, 2), None);
            assert_eq!(slots.take(70, 1), Some(7));
            assert_eq!(slots.live(70), None);
            assert_eq!(slots.take(70, 1), None);
            assert_eq!(
                slots.fill(70, false, 8),
                2,
                "the next fill, the next generation"
            );
            assert_eq!(slots.live(70), Some((2, false)));
        }
        assert_eq!(slots.live(5000), None);
    }
}
