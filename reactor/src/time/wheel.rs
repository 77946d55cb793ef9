//! A hierarchical timer wheel (the design of tokio's): 6 levels of 64 slots,
//! level `n` slots spanning `64^n` ms, so it covers 2^36 ms (≈ 2.2 years)
//! exactly and anything later by going around the top level again.
//!
//! Entries live in a slab and each slot is an intrusive doubly linked list
//! through it: insert and remove are O(1), memory is one slab entry per
//! pending sleep, and a turn costs nothing per pending sleep — only the
//! expired slots are visited (plus one cascade step per level an entry
//! descends). Deadlines are rounded *up* to the millisecond, and an entry
//! fires only when its own `when` has passed, so a sleep never fires early.

use super::entry::TimerShared;
use crate::metrics::ReactorMetrics;
use slab::Slab;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LEVELS: usize = 6;
const SLOTS: usize = 64;
const NIL: u32 = u32::MAX;
/// The farthest `when - elapsed` the levels hold directly: one top-level
/// rotation less one top slot, so a far entry never lands in the top slot
/// that holds `elapsed` (which would make its slot look due right now).
const MAX_SPAN: u64 = (1 << (6 * LEVELS)) - (1 << (6 * (LEVELS - 1))) - 1;

/// Names a wheel entry: a slab index and the generation it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    index: u32,
    generation: u32,
}

struct Entry {
    when: u64,
    generation: u32,
    level: u8,
    slot: u8,
    prev: u32,
    next: u32,
    shared: Arc<TimerShared>,
}

#[derive(Clone, Copy)]
struct Level {
    occupied: u64,
    heads: [u32; SLOTS],
}

/// See the module documentation.
pub(crate) struct Wheel {
    start: Instant,
    /// Milliseconds since `start` processed so far.
    elapsed: u64,
    levels: [Level; LEVELS],
    entries: Slab<Entry>,
    next_generation: u32,
    metrics: Arc<ReactorMetrics>,
}

/// The next slot that needs a visit.
struct Expiration {
    level: usize,
    slot: usize,
    deadline: u64,
}

impl Wheel {
    pub(crate) fn new(metrics: Arc<ReactorMetrics>) -> Self {
        Self {
            start: Instant::now(),
            elapsed: 0,
            levels: [Level {
                occupied: 0,
                heads: [NIL; SLOTS],
            }; LEVELS],
            entries: Slab::new(),
            next_generation: 0,
            metrics,
        }
    }

    /// Pending entries.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entry is pending: turns skip the wheel (and the clock) entirely.
    /// `elapsed` then lags behind the clock, which the wheel allows: an
    /// entry placed relative to an old `elapsed` sits at a higher level and
    /// is cascaded down on the way, never fired early or late (the test
    /// `a_lagging_wheel_fires_on_time` jumps the clock the same way).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Registers a sleep until `deadline`; `None` when it has passed already.
    pub(crate) fn insert(
        &mut self,
        deadline: Instant,
        shared: Arc<TimerShared>,
    ) -> Option<TimerKey> {
        let since = deadline.saturating_duration_since(self.start);
        // Round up: `when` is never before the deadline.
        let when = since
            .as_nanos()
            .div_ceil(1_000_000)
            .min(u128::from(u64::MAX)) as u64;
        if when <= self.elapsed {
            return None;
        }
        let generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1);
        let index = self.entries.insert(Entry {
            when,
            generation,
            level: 0,
            slot: 0,
            prev: NIL,
            next: NIL,
            shared,
        }) as u32;
        self.link(index);
        ReactorMetrics::add_owned(&self.metrics.timers_pending, 1);
        Some(TimerKey { index, generation })
    }

    /// Removes the entry `key` names, if it is still that entry (O(1)).
    pub(crate) fn remove(&mut self, key: TimerKey) {
        match self.entries.get(key.index as usize) {
            Some(e) if e.generation == key.generation => {}
            _ => return,
        }
        self.unlink(key.index);
        self.entries.remove(key.index as usize);
        ReactorMetrics::sub_owned(&self.metrics.timers_pending, 1);
    }

    /// When the wheel next needs a turn (a fire or a cascade step).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.next_expiration()
            .map(|e| self.start + Duration::from_millis(e.deadline))
    }

    /// Advances to `now` and returns the entries that are due.
    pub(crate) fn poll_due(&mut self, now: Instant) -> Vec<Arc<TimerShared>> {
        let now_ms = now.saturating_duration_since(self.start).as_millis() as u64;
        let mut due = Vec::new();
        while let Some(exp) = self.next_expiration() {
            if exp.deadline > now_ms {
                break;
            }
            let mut index = self.levels[exp.level].heads[exp.slot];
            self.levels[exp.level].heads[exp.slot] = NIL;
            self.levels[exp.level].occupied &= !(1 << exp.slot);
            self.elapsed = exp.deadline;
            while index != NIL {
                let next = self.entries[index as usize].next;
                if self.entries[index as usize].when <= exp.deadline {
                    let entry = self.entries.remove(index as usize);
                    ReactorMetrics::sub_owned(&self.metrics.timers_pending, 1);
                    if !entry.shared.is_cancelled() {
                        due.push(entry.shared);
                    }
                } else {
                    self.link(index);
                }
                index = next;
            }
        }
        self.elapsed = self.elapsed.max(now_ms);
        due
    }

    /// Empties the wheel (shutdown).
    pub(crate) fn drain(&mut self) -> Vec<Arc<TimerShared>> {
        let n = self.entries.len() as u64;
        ReactorMetrics::sub_owned(&self.metrics.timers_pending, n);
        self.levels = [Level {
            occupied: 0,
            heads: [NIL; SLOTS],
        }; LEVELS];
        self.entries.drain().map(|e| e.shared).collect()
    }

    /// Puts entry `index` at the head of the slot its `when` belongs in.
    fn link(&mut self, index: u32) {
        let when = self.entries[index as usize].when;
        // Beyond the top level's reach: park it in the farthest slot; it is
        // re-linked (never fired) when that slot comes round.
        let placed = when.min(self.elapsed + MAX_SPAN);
        let masked = (self.elapsed ^ placed) | (SLOTS as u64 - 1);
        let significant = 63 - masked.leading_zeros() as usize;
        // Crossing a 2^36 boundary: the top level acts as a ring.
        let level = (significant / 6).min(LEVELS - 1);
        let slot = ((placed >> (6 * level)) as usize) % SLOTS;
        let head = self.levels[level].heads[slot];
        {
            let e = &mut self.entries[index as usize];
            e.level = level as u8;
            e.slot = slot as u8;
            e.prev = NIL;
            e.next = head;
        }
        if head != NIL {
            self.entries[head as usize].prev = index;
        }
        self.levels[level].heads[slot] = index;
        self.levels[level].occupied |= 1 << slot;
    }

    fn unlink(&mut self, index: u32) {
        let (level, slot, prev, next) = {
            let e = &self.entries[index as usize];
            (e.level as usize, e.slot as usize, e.prev, e.next)
        };
        if prev == NIL {
            self.levels[level].heads[slot] = next;
            if next == NIL {
                self.levels[level].occupied &= !(1 << slot);
            }
        } else {
            self.entries[prev as usize].next = next;
        }
        if next != NIL {
            self.entries[next as usize].prev = prev;
        }
    }

    fn next_expiration(&self) -> Option<Expiration> {
        for (level, l) in self.levels.iter().enumerate() {
            if l.occupied == 0 {
                continue;
            }
            let slot_range = 1u64 << (6 * level);
            let level_range = slot_range << 6;
            let now_slot = self.elapsed / slot_range;
            let rotated = l.occupied.rotate_right((now_slot % SLOTS as u64) as u32);
            let slot = ((rotated.trailing_zeros() as u64 + now_slot) % SLOTS as u64) as usize;
            let level_start = self.elapsed & !(level_range - 1);
            let mut deadline = level_start + slot as u64 * slot_range;
            // Every linked entry lies after `elapsed`, so a slot that seems to
            // start at or before it is the top level's next rotation.
            if deadline <= self.elapsed {
                deadline += level_range;
            }
            return Some(Expiration {
                level,
                slot,
                deadline,
            });
        }
        None
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn wheel() -> Wheel {
        Wheel::new(Arc::new(ReactorMetrics::default()))
    }

    #[test]
    fn fires_in_order_and_never_early() {
        let mut w = wheel();
        let start = w.start;
        let delays = [
            1u64,
            5,
            63,
            64,
            65,
            200,
            4095,
            4096,
            5000,
            300_000,
            20_000_000,
            1 << 36,
            (1 << 37) + 3,
        ];
        let mut entries = Vec::new();
        for &d in delays.iter().rev() {
            let shared = Arc::new(TimerShared::new());
            w.insert(start + Duration::from_millis(d), shared.clone())
                .unwrap();
            entries.push((d, shared));
        }
        assert_eq!(w.len(), delays.len());
        let mut fired = Vec::new();
        let mut t = 0u64;
        while !w.is_empty() {
            let next = w.next_deadline().unwrap();
            let next_ms = next.duration_since(start).as_millis() as u64;
            assert!(next_ms >= t, "time went back");
            t = next_ms;
            for s in w.poll_due(next) {
                let d = entries.iter().find(|(_, e)| Arc::ptr_eq(e, &s)).unwrap().0;
                assert!(d <= t, "fired {d} ms timer at {t} ms (early)");
                fired.push((d, t));
            }
        }
        let order: Vec<u64> = fired.iter().map(|f| f.0).collect();
        assert_eq!(order, delays.to_vec());
        for (d, t) in fired {
            assert_eq!(d, t, "fired late: {d} at {t}");
        }
    }

    #[test]
    fn a_lagging_wheel_fires_on_time() {
        // Nothing polls an empty wheel, so a later insert meets an old
        // `elapsed`: the entry must still fire exactly at its deadline.
        let mut w = wheel();
        let start = w.start;
        let first = Arc::new(TimerShared::new());
        w.insert(start + Duration::from_millis(3), first.clone())
            .unwrap();
        assert_eq!(w.poll_due(start + Duration::from_millis(3)).len(), 1);
        for (idle, delay) in [(100u64, 10u64), (5_000, 1), (70_000, 4_000)] {
            let t0 = start + Duration::from_millis(3 + idle);
            let deadline = t0 + Duration::from_millis(delay);
            let s = Arc::new(TimerShared::new());
            w.insert(deadline, s.clone()).unwrap();
            let mut now = t0;
            loop {
                let next = w.next_deadline().unwrap().max(now);
                assert!(next <= deadline, "the wheel looked past the deadline");
                let due = w.poll_due(next);
                if !due.is_empty() {
                    assert!(Arc::ptr_eq(&due[0], &s));
                    assert_eq!(next, deadline, "fired early or late");
                    break;
                }
                now = next;
            }
            assert!(w.is_empty());
        }
    }

    #[test]
    fn remove_is_by_generation() {
        let mut w = wheel();
        let start = w.start;
        let a = w
            .insert(
                start + Duration::from_secs(60),
                Arc::new(TimerShared::new()),
            )
            .unwrap();
        w.remove(a);
        let b = w
            .insert(
                start + Duration::from_secs(60),
                Arc::new(TimerShared::new()),
            )
            .unwrap();
        assert_eq!(a.index, b.index, "slot reused");
        w.remove(a);
        assert_eq!(w.len(), 1, "stale key removed the new entry");
        w.remove(b);
        assert_eq!(w.len(), 0);
        assert!(w.next_deadline().is_none());
    }

    #[test]
    fn interleaved_inserts_and_polls() {
        let mut w = wheel();
        let start = w.start;
        let mut t = start;
        let mut pending: Vec<(u64, Arc<TimerShared>)> = Vec::new();
        let mut rng = 12345u64;
        for step in 0..20_000u64 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if rng.is_multiple_of(3) {
                let d = (rng >> 20) % 5000;
                let s = Arc::new(TimerShared::new());
                let when = t + Duration::from_millis(d);
                if w.insert(when, s.clone()).is_some() {
                    pending.push((
                        when.duration_since(start).as_nanos().div_ceil(1_000_000) as u64,
                        s,
                    ));
                }
            }
            t += Duration::from_micros((rng >> 40) % 3000);
            let now_ms = t.duration_since(start).as_millis() as u64;
            let due = w.poll_due(t);
            for s in &due {
                let i = pending.iter().position(|(_, p)| Arc::ptr_eq(p, s)).unwrap();
                let (when, _) = pending.swap_remove(i);
                assert!(when <= now_ms, "step {step}: early");
            }
            for (when, _) in &pending {
                assert!(*when > now_ms, "step {step}: {when} overdue at {now_ms}");
            }
            if let Some(next) = w.next_deadline() {
                assert!(
                    next > start + Duration::from_millis(now_ms),
                    "step {step}: next deadline in the past"
                );
            } else {
                assert!(pending.is_empty());
            }
        }
    }

    #[test]
    fn past_deadline_is_refused() {
        let mut w = wheel();
        let now = Instant::now() + Duration::from_millis(10);
        assert!(w.poll_due(now).is_empty());
        assert!(w
            .insert(now - Duration::from_millis(5), Arc::new(TimerShared::new()))
            .is_none());
    }
}
