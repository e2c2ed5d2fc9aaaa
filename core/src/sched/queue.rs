//! The scheduling queue (`pkg/scheduler/internal/queue/scheduling_queue.go`): an active queue
//! ordered by priority then arrival (PrioritySort), a back-off queue (1 s doubling to 10 s per
//! attempt), and the unschedulable pods, parked until a cluster event that could make them fit
//! (for one of the plugins that rejected them) or until they have waited 5 minutes.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::sync::Arc;

use super::pod_info::PodInfo;
use crate::api::Time;

/// Initial back-off (`podInitialBackoffDuration`), ms.
pub const INITIAL_BACKOFF_MS: i64 = 1_000;
/// Maximum back-off (`podMaxBackoffDuration`), ms.
pub const MAX_BACKOFF_MS: i64 = 10_000;
/// How long an unschedulable pod waits without a relevant event before it is retried anyway
/// (`podMaxInUnschedulablePodsDuration`), ms.
pub const MAX_UNSCHEDULABLE_MS: i64 = 5 * 60 * 1_000;

/// Cluster events (bit flags).
pub mod event {
    /// A node was added.
    pub const NODE_ADD: u32 = 1;
    /// A node's labels changed.
    pub const NODE_LABEL: u32 = 1 << 1;
    /// A node's taints changed.
    pub const NODE_TAINT: u32 = 1 << 2;
    /// A node's allocatable changed.
    pub const NODE_ALLOCATABLE: u32 = 1 << 3;
    /// A node was cordoned or uncordoned.
    pub const NODE_UNSCHEDULABLE: u32 = 1 << 4;
    /// A node was deleted.
    pub const NODE_DELETE: u32 = 1 << 5;
    /// A pod was bound (or a bound pod appeared).
    pub const POD_ADD: u32 = 1 << 6;
    /// A bound pod's labels changed.
    pub const POD_UPDATE: u32 = 1 << 7;
    /// A bound pod was deleted or finished.
    pub const POD_DELETE: u32 = 1 << 8;
    /// Every event.
    pub const ALL: u32 = (1 << 9) - 1;
    /// Number of event kinds.
    pub const COUNT: usize = 9;
}

/// The events that may make a pod rejected by `plugin` schedulable (the plugin's
/// `EventsToRegister`); unknown plugins react to every event.
pub fn events_for_plugin(plugin: &str) -> u32 {
    use event::*;
    match plugin {
        "NodeUnschedulable" => NODE_ADD | NODE_UNSCHEDULABLE | NODE_TAINT,
        "NodeName" => NODE_ADD,
        "TaintToleration" => NODE_ADD | NODE_TAINT,
        "NodeAffinity" => NODE_ADD | NODE_LABEL,
        "NodePorts" => NODE_ADD | POD_DELETE,
        "NodeResourcesFit" => NODE_ADD | NODE_ALLOCATABLE | POD_DELETE,
        "PodTopologySpread" => {
            NODE_ADD | NODE_LABEL | NODE_TAINT | NODE_DELETE | POD_ADD | POD_UPDATE | POD_DELETE
        }
        "InterPodAffinity" => NODE_ADD | NODE_LABEL | POD_ADD | POD_UPDATE | POD_DELETE,
        _ => ALL,
    }
}

/// Back-off after `attempts` attempts: 1 s, 2 s, 4 s, 8 s, 10 s, ...
pub fn backoff_ms(attempts: u32) -> i64 {
    if attempts == 0 {
        return 0;
    }
    let mut d = INITIAL_BACKOFF_MS;
    for _ in 1..attempts {
        if d > MAX_BACKOFF_MS - d {
            return MAX_BACKOFF_MS;
        }
        d += d;
    }
    d
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Where {
    Active,
    Backoff,
    Unschedulable,
    InFlight,
}

/// A pod in the queue.
#[derive(Clone, Debug)]
pub struct QueuedPod {
    /// The pod.
    pub info: Arc<PodInfo>,
    /// When it entered its current queue (orders equal priorities; back-off counts from here).
    pub timestamp: Time,
    /// When it was first enqueued (scheduling latency counts from here).
    pub enqueued: Time,
    /// Scheduling attempts so far.
    pub attempts: u32,
    /// Events that may help it (from the plugins that rejected it).
    pub events: u32,
    seq: u64,
    place: Where,
}

#[derive(PartialEq, Eq)]
struct ActiveKey {
    priority: i32,
    timestamp: Time,
    seq: u64,
    slot: u32,
}

impl Ord for ActiveKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.timestamp.cmp(&self.timestamp))
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for ActiveKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The three queues.
#[derive(Default)]
pub struct SchedulingQueue {
    pods: Vec<Option<QueuedPod>>,
    active: BinaryHeap<ActiveKey>,
    backoff: BTreeSet<(Time, u64, u32)>,
    active_count: usize,
    unschedulable: BTreeMap<u64, u32>,
    by_event: [BTreeSet<(u64, u32)>; event::COUNT],
    seq: u64,
    len: usize,
}

impl SchedulingQueue {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Number of pods waiting (in any queue, in flight included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no pod waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The queued pod in pod slot `slot`.
    pub fn get(&self, slot: u32) -> Option<&QueuedPod> {
        self.pods.get(slot as usize).and_then(Option::as_ref)
    }

    /// Takes a pod out of the bookkeeping of the queue it is in.
    fn leave(&mut self, slot: u32) {
        let Some(q) = self.pods.get(slot as usize).and_then(Option::as_ref) else {
            return;
        };
        let (seq, events, place, timestamp, attempts) = (q.seq, q.events, q.place, q.timestamp, q.attempts);
        match place {
            Where::Active => self.active_count -= 1,
            Where::Backoff => {
                self.backoff
                    .remove(&(timestamp.plus_millis(backoff_ms(attempts)), seq, slot));
            }
            Where::Unschedulable => {
                self.unschedulable.remove(&seq);
                for (bit, set) in self.by_event.iter_mut().enumerate() {
                    if events & (1 << bit) != 0 {
                        set.remove(&(seq, slot));
                    }
                }
            }
            Where::InFlight => {}
        }
        if let Some(q) = self.pods[slot as usize].as_mut() {
            q.place = Where::InFlight;
        }
    }

    fn push_active(&mut self, slot: u32) {
        self.leave(slot);
        self.active_count += 1;
        let seq = self.next_seq();
        let q = self.pods[slot as usize].as_mut().expect("queued");
        q.place = Where::Active;
        q.seq = seq;
        self.active.push(ActiveKey {
            priority: q.info.priority,
            timestamp: q.timestamp,
            seq,
            slot,
        });
    }

    fn push_backoff(&mut self, slot: u32) {
        self.leave(slot);
        let seq = self.next_seq();
        let q = self.pods[slot as usize].as_mut().expect("queued");
        q.place = Where::Backoff;
        q.seq = seq;
        let expiry = q.timestamp.plus_millis(backoff_ms(q.attempts));
        self.backoff.insert((expiry, seq, slot));
    }

    /// Adds a new pending pod to the active queue (no-op if it is already queued).
    pub fn add(&mut self, info: Arc<PodInfo>, now: Time) {
        let slot = info.key.index();
        if self.pods.len() <= slot as usize {
            self.pods.resize_with(slot as usize + 1, || None);
        }
        if let Some(q) = &self.pods[slot as usize]
            && q.info.key == info.key
        {
            return;
        }
        if self.pods[slot as usize].is_some() {
            self.remove(slot);
        }
        self.pods[slot as usize] = Some(QueuedPod {
            info,
            timestamp: now,
            enqueued: now,
            attempts: 0,
            events: event::ALL,
            seq: 0,
            place: Where::InFlight,
        });
        self.len += 1;
        self.push_active(slot);
    }

    /// Replaces the info of a queued pod (its spec or labels changed); an unschedulable pod
    /// is moved back, since the change may make it fit.
    pub fn update(&mut self, info: Arc<PodInfo>, now: Time) {
        let slot = info.key.index();
        let Some(q) = self.pods.get_mut(slot as usize).and_then(Option::as_mut) else {
            return;
        };
        q.info = info;
        if q.place == Where::Unschedulable {
            self.move_one(slot, now);
        } else if q.place == Where::Active {
            // Re-key: the priority may have changed.
            self.push_active(slot);
        }
    }

    /// Replaces the info of a queued pod without moving it (its nomination changed).
    pub fn set_info(&mut self, info: Arc<PodInfo>) {
        let slot = info.key.index();
        if let Some(q) = self.pods.get_mut(slot as usize).and_then(Option::as_mut) {
            q.info = info;
        }
    }

    /// Forgets a pod (deleted or bound elsewhere).
    pub fn remove(&mut self, slot: u32) {
        if self.get(slot).is_none() {
            return;
        }
        self.leave(slot);
        self.pods[slot as usize] = None;
        self.len -= 1;
        // Heap entries are dropped lazily (their seq no longer matches).
    }

    /// Moves back-off pods whose back-off expired, and pods unschedulable for over 5 minutes,
    /// to the active queue.
    pub fn flush(&mut self, now: Time) {
        while let Some(&(expiry, _, slot)) = self.backoff.first() {
            if expiry > now {
                break;
            }
            self.push_active(slot);
        }
        let stale: Vec<u32> = self
            .unschedulable
            .values()
            .copied()
            .take_while(|s| {
                self.get(*s)
                    .is_some_and(|q| q.timestamp.plus_millis(MAX_UNSCHEDULABLE_MS) <= now)
            })
            .collect();
        for s in stale {
            self.move_one(s, now);
        }
    }

    fn live(&self, slot: u32, seq: u64, place: Where) -> bool {
        self.get(slot).is_some_and(|q| q.seq == seq && q.place == place)
    }

    /// Pops the next pod to schedule (it stays known as in flight until `done` / `failed`).
    pub fn pop(&mut self) -> Option<u32> {
        while let Some(k) = self.active.pop() {
            if self.live(k.slot, k.seq, Where::Active) {
                self.leave(k.slot);
                let q = self.pods[k.slot as usize].as_mut().expect("queued");
                q.attempts += 1;
                return Some(k.slot);
            }
        }
        None
    }

    /// Whether the active queue has a pod.
    pub fn has_active(&self) -> bool {
        self.active
            .iter()
            .any(|k| self.live(k.slot, k.seq, Where::Active))
    }

    /// The pod was bound: forget it.
    pub fn done(&mut self, slot: u32) {
        self.remove(slot);
    }

    /// The pod did not fit: park it until one of `events` happens (or put it in back-off
    /// right away when `backoff` is set: an error, or an event happened during its cycle).
    pub fn failed(&mut self, slot: u32, events: u32, now: Time, backoff: bool) {
        if self.get(slot).is_none() {
            return;
        }
        self.leave(slot);
        let seq = self.next_seq();
        let q = self.pods[slot as usize].as_mut().expect("queued");
        q.timestamp = now;
        q.events = events;
        if backoff {
            self.push_backoff(slot);
            return;
        }
        q.place = Where::Unschedulable;
        q.seq = seq;
        self.unschedulable.insert(seq, slot);
        for (bit, set) in self.by_event.iter_mut().enumerate() {
            if events & (1 << bit) != 0 {
                set.insert((seq, slot));
            }
        }
    }

    fn move_one(&mut self, slot: u32, now: Time) {
        let Some(q) = self.get(slot) else { return };
        if q.place != Where::Unschedulable {
            return;
        }
        self.leave(slot);
        let q = self.get(slot).expect("queued");
        if q.timestamp.plus_millis(backoff_ms(q.attempts)) > now {
            self.push_backoff(slot);
        } else {
            self.push_active(slot);
        }
    }

    /// A cluster event happened: moves the unschedulable pods it may help to the back-off or
    /// active queue (`MoveAllToActiveOrBackoffQueue`). Returns how many moved.
    pub fn on_event(&mut self, events: u32, now: Time) -> usize {
        let mut moved: Vec<(u64, u32)> = Vec::new();
        for (bit, set) in self.by_event.iter().enumerate() {
            if events & (1 << bit) != 0 {
                moved.extend(set.iter().copied());
            }
        }
        moved.sort_unstable();
        moved.dedup();
        for &(_, slot) in &moved {
            self.move_one(slot, now);
        }
        moved.len()
    }

    /// The earliest time a waiting pod becomes schedulable: now if the active queue has a
    /// pod, else the first back-off expiry or (with `include_flush`) 5-minute flush.
    pub fn next_wakeup(&self, now: Time, include_flush: bool) -> Option<Time> {
        if self.has_active() {
            return Some(now);
        }
        let backoff = self.backoff.first().map(|(t, _, _)| *t);
        let stale = include_flush
            .then(|| self.unschedulable.values().next())
            .flatten()
            .and_then(|s| self.get(*s))
            .map(|q| q.timestamp.plus_millis(MAX_UNSCHEDULABLE_MS));
        match (backoff, stale) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Pods parked as unschedulable.
    pub fn unschedulable_count(&self) -> usize {
        self.unschedulable.len()
    }

    /// All waiting pods (slot order).
    pub fn waiting(&self) -> impl Iterator<Item = &QueuedPod> {
        self.pods.iter().filter_map(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_ten_seconds() {
        let got: Vec<i64> = (0..7).map(backoff_ms).collect();
        assert_eq!(got, [0, 1000, 2000, 4000, 8000, 10000, 10000]);
    }

    #[test]
    fn plugin_events() {
        assert_eq!(events_for_plugin("Custom"), event::ALL);
        assert_ne!(events_for_plugin("NodeResourcesFit") & event::POD_DELETE, 0);
        assert_eq!(events_for_plugin("NodeResourcesFit") & event::POD_ADD, 0);
    }
}
