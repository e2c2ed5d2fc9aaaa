//! The event queue of simulated time: timers ordered by (time, sequence),
//! so equal times fire in the order they were set.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::api::{Node, Pod, Time, Uid};
use crate::store::{Key, ObjectKey};

/// A pod lifecycle step the kubelet model performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodStep {
    /// Containers have started.
    Started,
    /// The readiness probe passes.
    Ready,
    /// The containers exit (success or failure).
    Exited {
        /// Exit code 0.
        success: bool,
    },
    /// The restart back-off is over: start again.
    Restart,
    /// A graceful deletion has finished: remove the pod.
    Terminated,
    /// Retry a start that failed on a missing ConfigMap or Secret.
    RetryConfig,
}

/// Something scheduled to happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// A kubelet step for a pod (ignored if the pod's uid changed).
    Pod {
        /// The pod.
        pod: Key<Pod>,
        /// Its uid when the timer was set.
        uid: Uid,
        /// The step.
        step: PodStep,
    },
    /// Re-queue an object in a controller (`AddAfter`).
    Requeue {
        /// Index of the controller.
        controller: usize,
        /// The object.
        key: ObjectKey,
    },
    /// A silent node passes the monitor grace period.
    NodeSilent {
        /// The node.
        node: Key<Node>,
        /// Its uid.
        uid: Uid,
    },
    /// Evict a pod from a tainted node (the taint manager).
    Evict {
        /// The pod.
        pod: Key<Pod>,
        /// Its uid.
        uid: Uid,
    },
    /// The scheduler asked to be woken.
    SchedulerWakeup,
    /// A user action from a scenario timeline (opaque to the simulation).
    Action(u64),
}

/// A pending timer, ordered by (time, sequence) packed into one integer: the heap compares
/// entries millions of times per run, and the sequence number is unique, so the timer itself
/// never decides the order.
struct Pending {
    key: i128,
    at: Time,
    timer: Timer,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// Timers in time order (ties in the order they were set).
#[derive(Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<Pending>>,
    seq: u64,
}

impl Timers {
    /// Schedules `timer` at `at`.
    pub fn set(&mut self, at: Time, timer: Timer) {
        self.seq += 1;
        let key = (i128::from(at.millis()) << 64) | i128::from(self.seq);
        self.heap.push(Reverse(Pending { key, at, timer }));
    }

    /// When the next timer fires.
    pub fn next_time(&self) -> Option<Time> {
        self.heap.peek().map(|Reverse(p)| p.at)
    }

    /// Removes and returns the next timer due at or before `now`.
    pub fn pop_due(&mut self, now: Time) -> Option<Timer> {
        match self.heap.peek() {
            Some(Reverse(p)) if p.at <= now => self.heap.pop().map(|Reverse(p)| p.timer),
            _ => None,
        }
    }

    /// Number of pending timers.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether none are pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fire_in_time_then_insertion_order() {
        let mut t = Timers::default();
        t.set(Time(20), Timer::Action(1));
        t.set(Time(10), Timer::Action(2));
        t.set(Time(10), Timer::Action(3));
        assert_eq!(t.next_time(), Some(Time(10)));
        assert_eq!(t.pop_due(Time(5)), None);
        assert_eq!(t.pop_due(Time(10)), Some(Timer::Action(2)));
        assert_eq!(t.pop_due(Time(10)), Some(Timer::Action(3)));
        assert_eq!(t.pop_due(Time(10)), None);
        assert_eq!(t.pop_due(Time(30)), Some(Timer::Action(1)));
    }
}
