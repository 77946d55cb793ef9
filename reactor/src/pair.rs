//! [`Pair`]: a heap value with exactly two owners from birth, freed by
//! whichever lets go last.
//!
//! An op's completion cell has two owners: the op future and the home ring's
//! op table (rule 2). With an `Arc` that costs four atomic read-modify-write
//! operations per op (the clone for the table, two strong decrements, and the
//! weak decrement that frees the memory); on the machines ringbolt is
//! measured on each costs about as much as the rest of a ring turn's
//! bookkeeping per op. A `Pair` is born with its count at two, so it costs
//! two: one decrement per owner.
//!
//! Rules:
//! 1. [`Pair::new`] returns both owners; there is no clone, so the count
//!    goes 2 → 1 → 0. The one exception, [`Pair::hold`], adds a temporary
//!    third owner for a caller that runs code able to drop the other two
//!    (the multishot delivery path, which is not the per-op fast path).
//! 2. Dropping an owner decrements with `Release`; the owner that takes the
//!    count to zero fences with `Acquire` before freeing, so every access the
//!    other owner made happens before the value is dropped (the `Arc`
//!    argument).
//! 3. The value is only reachable through `&T` while an owner lives;
//!    interior mutability is the value's own business.

use crate::sync::{fence, AtomicUsize};
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

/// The allocation behind a [`Pair`] (named only for [`Pair::erase`]).
pub(crate) struct PairInner<T: ?Sized> {
    owners: AtomicUsize,
    value: T,
}

/// One of the two owners of a heap value; see the module documentation.
pub(crate) struct Pair<T: ?Sized> {
    ptr: NonNull<PairInner<T>>,
}

// SAFETY: a `Pair` gives shared access to `T` from two threads (`Sync`
// needed) and drops `T` on whichever thread lets go last (`Send` needed),
// exactly as `Arc<T>` does.
unsafe impl<T: ?Sized + Send + Sync> Send for Pair<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: ?Sized + Send + Sync> Sync for Pair<T> {}

impl<T> Pair<T> {
    /// Moves `value` to the heap and returns its two owners (rule 1).
    pub(crate) fn new(value: T) -> (Pair<T>, Pair<T>) {
        let inner = Box::new(PairInner {
            owners: AtomicUsize::new(2),
            value,
        });
        let ptr = NonNull::from(Box::leak(inner));
        (Pair { ptr }, Pair { ptr })
    }

    /// This owner, with the value seen through `dyn` (for a table of cells
    /// of different types).
    ///
    /// # Safety
    /// `erase` must be an unsizing coercion of its argument (`|p| p` with the
    /// target type known): same address, same allocation, the compiler's
    /// vtable. Anything else frees memory with the wrong layout.
    pub(crate) unsafe fn erase<U: ?Sized>(
        self,
        erase: impl FnOnce(*mut PairInner<T>) -> *mut PairInner<U>,
    ) -> Pair<U> {
        let original = self.ptr.as_ptr();
        let raw = erase(original);
        debug_assert!(std::ptr::addr_eq(raw, original), "erase moved the pointer");
        std::mem::forget(self);
        // SAFETY: by this function's contract `raw` is `original` (non-null,
        // from `Box::leak`) unsized by a coercion; ownership moves from
        // `self` (forgotten) to the result.
        let ptr = unsafe { NonNull::new_unchecked(raw) };
        Pair { ptr }
    }
}

impl<T: ?Sized> Pair<T> {
    /// A third, temporary owner (rule 1's exception): for a caller that must
    /// keep the value alive across code that may drop both regular owners
    /// (a delivery that runs user code which can re-enter the reactor).
    pub(crate) fn hold(&self) -> Pair<T> {
        // SAFETY: as in `deref`: `self` owns the allocation, so it is live.
        let owners = unsafe { &self.ptr.as_ref().owners };
        // Relaxed, as `Arc::clone`: a new owner only needs the allocation to
        // be live, which `self` guarantees; the frees are ordered by rule 2.
        owners.fetch_add(1, Relaxed);
        Pair { ptr: self.ptr }
    }
}

impl<T: ?Sized> Deref for Pair<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the allocation lives while any owner does (rule 2), and
        // `self` is one.
        unsafe { &self.ptr.as_ref().value }
    }
}

impl<T: ?Sized> Drop for Pair<T> {
    fn drop(&mut self) {
        // SAFETY: as in `deref`: `self` still owns the allocation here.
        let owners = unsafe { &self.ptr.as_ref().owners };
        // Release: our accesses to the value happen before the other owner's
        // free (rule 2).
        if owners.fetch_sub(1, Release) != 1 {
            return;
        }
        // Acquire: pairs with the other owner's Release decrement.
        fence(Acquire);
        // SAFETY: the count reached zero, so no other owner exists; the
        // pointer came from `Box::leak` in `new` (possibly unsized since,
        // which keeps the allocation's layout in its metadata).
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicUsize as LoomUsize;
    use std::sync::atomic::Ordering::SeqCst;

    loom::lazy_static! {
        static ref DROPS: LoomUsize = LoomUsize::new(0);
    }

    /// Writes through interior mutability, then checks on drop that it
    /// sees the other owner's write (rule 2's fence).
    struct Value(crate::sync::UnsafeCell<usize>, LoomUsize);

    impl Drop for Value {
        fn drop(&mut self) {
            assert_eq!(
                self.1.load(SeqCst),
                2,
                "a write before the last drop is lost"
            );
            self.0.with(|v| {
                // SAFETY: the last owner drops the value; nobody else can
                // access it any more.
                assert_eq!(unsafe { *v }, 7);
            });
            DROPS.fetch_add(1, SeqCst);
        }
    }

    /// Two owners on two threads, each touching the value and dropping: the
    /// value is dropped exactly once, after both are done with it.
    #[test]
    fn loom_pair_frees_once_after_both_owners() {
        loom::model(|| {
            DROPS.store(0, SeqCst);
            let (a, b) = Pair::new(Value(crate::sync::UnsafeCell::new(0), LoomUsize::new(0)));
            let t = loom::thread::spawn(move || {
                b.0.with_mut(|v| {
                    // SAFETY: only this thread writes the slot, and the
                    // other owner reads it only after both decrements.
                    unsafe { *v = 7 };
                });
                b.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                drop(b);
            });
            a.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            drop(a);
            t.join().unwrap();
            assert_eq!(DROPS.load(SeqCst), 1);
        });
    }
}
