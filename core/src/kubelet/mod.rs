//! The simulated kubelet: one model for every node.
//!
//! A bound pod is accepted (`ContainerCreating`), starts after the start
//! latency (`Running`, with an IP), becomes `Ready` after the readiness
//! delay (plus its readiness probe's `initialDelaySeconds`), and, for
//! run-to-completion pods, exits after its run time. Failed containers
//! restart per `restartPolicy` with CrashLoopBackOff (10 s doubling to
//! 5 min). A graceful deletion ends after the termination latency (capped
//! by the grace period) with the pod's removal. A failed node's kubelet
//! does nothing until the node recovers, then does what came due meanwhile.
//! All durations come from [`KubeletModel`] distributions drawn from the
//! kubelet's seeded RNG stream.

mod config_refs;
mod lifecycle;

use std::net::Ipv4Addr;

use crate::api::meta::{Condition, ConditionStatus};
use crate::api::{Kind, Node, Object, Pod, Time, Uid};
use crate::collections::{FxMap, FxSet};
use crate::events::EventLog;
use crate::intern::Symbol;
use crate::rng::Rng;
use crate::sim::config::KubeletModel;
use crate::sim::timers::{PodStep, Timer, Timers};
use crate::store::{Change, ChangeOp, Key, Store, typed_key};

/// Kubelet CrashLoopBackOff: first restart delay.
pub const BACKOFF_INITIAL_MS: i64 = 10_000;
/// Kubelet CrashLoopBackOff: the cap.
pub const BACKOFF_MAX_MS: i64 = 300_000;
/// How often the kubelet retries a pod whose ConfigMap or Secret is missing.
pub const CONFIG_RETRY_MS: i64 = 10_000;

/// Work the kubelet found in the change feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Work {
    RegisterNode(Key<Node>),
    Accept(Key<Pod>),
    Terminate(Key<Pod>),
}

/// The kubelets of all nodes.
pub struct Kubelet {
    model: KubeletModel,
    rng: Rng,
    work: Vec<Work>,
    down: FxSet<Symbol>,
    /// Steps that came due while their node was down, per node in the order
    /// they came due: the recovered kubelet performs them.
    paused: FxMap<Symbol, Vec<(Key<Pod>, Uid, PodStep)>>,
    terminating: FxSet<Uid>,
    node_index: FxMap<Symbol, u32>,
    next_ip: FxMap<Symbol, u32>,
}

impl Kubelet {
    /// A kubelet model drawing from `rng`.
    pub fn new(model: KubeletModel, rng: Rng) -> Kubelet {
        Kubelet {
            model,
            rng,
            work: Vec::new(),
            down: FxSet::default(),
            paused: FxMap::default(),
            terminating: FxSet::default(),
            node_index: FxMap::default(),
            next_ip: FxMap::default(),
        }
    }

    /// The model.
    pub fn model(&self) -> &KubeletModel {
        &self.model
    }

    /// Whether `node`'s kubelet has stopped.
    pub fn is_down(&self, node: Symbol) -> bool {
        self.down.contains(&node)
    }

    /// Notes what needs doing from one change.
    pub fn observe(&mut self, store: &Store, change: &Change) {
        match change.key.kind {
            Kind::Node => {
                if matches!(change.op, ChangeOp::Added)
                    && let Some(k) = typed_key::<Node>(change.key)
                    && let Some(node) = store.get(k)
                    && !node.status.conditions.iter().any(|c| c.type_.as_str() == "Ready")
                {
                    self.work.push(Work::RegisterNode(k));
                }
            }
            Kind::Pod => match &change.op {
                ChangeOp::Deleted(obj) => {
                    if let Some(pod) = Pod::from_any_ref(obj) {
                        self.terminating.remove(&pod.metadata.uid);
                    }
                }
                _ => {
                    let Some(k) = typed_key::<Pod>(change.key) else {
                        return;
                    };
                    let Some(pod) = store.get(k) else { return };
                    let Some(node) = pod.node_name else { return };
                    if self.down.contains(&node) {
                        return;
                    }
                    if pod.metadata.deletion_timestamp.is_some() {
                        if !self.terminating.contains(&pod.metadata.uid) {
                            self.work.push(Work::Terminate(k));
                        }
                    } else if pod.status.start_time.is_none() && !pod.is_terminal() {
                        self.work.push(Work::Accept(k));
                    }
                }
            },
            _ => {}
        }
    }

    /// Does the work noted by [`Kubelet::observe`]. Returns whether anything was done.
    pub fn act(&mut self, store: &mut Store, timers: &mut Timers, now: Time, events: &mut EventLog) -> bool {
        if self.work.is_empty() {
            return false;
        }
        for work in std::mem::take(&mut self.work) {
            match work {
                Work::RegisterNode(k) => register(store, k, now),
                Work::Accept(k) => self.accept(store, timers, k, now),
                Work::Terminate(k) => self.terminate(store, timers, k, now),
            }
        }
        let _ = events;
        true
    }

    /// Handles a pod timer.
    pub fn on_timer(
        &mut self,
        store: &mut Store,
        timers: &mut Timers,
        pod: Key<Pod>,
        uid: Uid,
        step: PodStep,
        now: Time,
    ) {
        let Some(p) = store.get(pod) else { return };
        if p.metadata.uid != uid {
            return;
        }
        if let Some(node) = p.node_name.filter(|n| self.down.contains(n)) {
            // A stopped kubelet does nothing, but the work stays to do.
            self.paused.entry(node).or_default().push((pod, uid, step));
            return;
        }
        lifecycle::step(self, store, timers, pod, step, now);
    }

    /// Stops `node`'s kubelet (a node failure): nothing it runs changes.
    pub fn fail_node(&mut self, node: Symbol) {
        self.down.insert(node);
    }

    /// Restarts `node`'s kubelet; it resumes its pods at `now`: accepts the
    /// pods bound while it was down, restarts the graceful deletions, and
    /// performs the steps that came due meanwhile (a pod that was starting
    /// starts, one that was waiting for readiness becomes Ready).
    pub fn recover_node(&mut self, store: &mut Store, timers: &mut Timers, node: Symbol, now: Time) {
        if !self.down.remove(&node) {
            return;
        }
        for (pod, uid, step) in self.paused.remove(&node).unwrap_or_default() {
            // Deletions start over below.
            if step != PodStep::Terminated {
                timers.set(now, Timer::Pod { pod, uid, step });
            }
        }
        let pods: Vec<Key<Pod>> = store.pods_on_node(node).to_vec();
        for k in pods {
            let Some(p) = store.get(k) else { continue };
            if p.metadata.deletion_timestamp.is_some() {
                self.terminating.remove(&p.metadata.uid);
                self.terminate(store, timers, k, now);
            } else if p.status.start_time.is_none() {
                self.accept(store, timers, k, now);
            }
        }
    }

    fn accept(&mut self, store: &mut Store, timers: &mut Timers, key: Key<Pod>, now: Time) {
        let Some(pod) = store.get(key) else { return };
        if pod.status.start_time.is_some() || pod.is_terminal() || pod.metadata.deletion_timestamp.is_some() {
            return;
        }
        let uid = pod.metadata.uid;
        let latency = self.model.start_latency.sample(&mut self.rng);
        lifecycle::accept(store, key, now);
        timers.set(
            now.plus_millis(latency),
            Timer::Pod {
                pod: key,
                uid,
                step: PodStep::Started,
            },
        );
    }

    fn terminate(&mut self, store: &mut Store, timers: &mut Timers, key: Key<Pod>, now: Time) {
        let Some(pod) = store.get(key) else { return };
        let uid = pod.metadata.uid;
        if !self.terminating.insert(uid) {
            return;
        }
        let grace_ms = pod.spec.termination_grace_period_seconds.unwrap_or(30).max(0) * 1000;
        let latency = self.model.termination_latency.sample(&mut self.rng).min(grace_ms);
        timers.set(
            now.plus_millis(latency),
            Timer::Pod {
                pod: key,
                uid,
                step: PodStep::Terminated,
            },
        );
    }

    /// The next pod IP on `node`: one /24 per node in 10.0.0.0/8, in the
    /// order nodes first run a pod.
    fn allocate_ip(&mut self, node: Symbol) -> Ipv4Addr {
        let n = self.node_index.len() as u32;
        let index = *self.node_index.entry(node).or_insert(n);
        let counter = self.next_ip.entry(node).or_insert(0);
        *counter += 1;
        let host = (*counter - 1) % 254 + 1;
        let net = (index + 1) & 0xffff;
        Ipv4Addr::from(0x0a00_0000 | (net << 8) | host)
    }

    fn draw(&mut self, d: &crate::sim::distribution::Distribution) -> i64 {
        d.sample(&mut self.rng)
    }
}

/// A new node reports Ready.
fn register(store: &mut Store, key: Key<Node>, now: Time) {
    let _ = store.update(key, |n| {
        crate::api::meta::set_condition(
            &mut n.status.conditions,
            Condition {
                type_: Symbol::intern("Ready"),
                status: ConditionStatus::True,
                last_transition_time: now,
                last_update_time: None,
                reason: Symbol::intern("KubeletReady"),
                message: "kubelet is posting ready status".into(),
            },
        );
    });
}

/// The CrashLoopBackOff delay before restart number `restarts + 1`.
pub fn crash_backoff_ms(restarts: u32) -> i64 {
    BACKOFF_INITIAL_MS
        .saturating_mul(1i64 << restarts.min(20))
        .min(BACKOFF_MAX_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_loop_backoff_doubles_to_five_minutes() {
        assert_eq!(crash_backoff_ms(0), 10_000);
        assert_eq!(crash_backoff_ms(1), 20_000);
        assert_eq!(crash_backoff_ms(4), 160_000);
        assert_eq!(crash_backoff_ms(5), 300_000);
        assert_eq!(crash_backoff_ms(30), 300_000);
    }
}
