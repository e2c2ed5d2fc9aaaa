//! INTERIM stand-in (the real scheduler arrives from the `sched` branch):
//! first-fit on CPU and memory, same interface.
#![allow(missing_docs)]

use crate::api::{Node, Pod, Time};
use crate::events::EventLog;
use crate::store::{ChangeOp, Cursor, Key, Store};

#[derive(Clone, Debug, Default)]
pub struct SchedulerConfig {
    pub parallelism: usize,
}

#[derive(Clone, Debug, Default)]
pub struct SchedulerStats {
    pub attempts: u64,
    pub scheduled: u64,
    pub unschedulable: u64,
    pub preemptions: u64,
}

#[derive(Clone, Debug, Default)]
pub struct CycleStats {
    pub attempts: u64,
    pub scheduled: u64,
}

pub struct Scheduler {
    cursor: Option<Cursor>,
    queue: Vec<Key<Pod>>,
    stats: SchedulerStats,
}

impl Scheduler {
    pub fn new(_config: SchedulerConfig, _seed: u64) -> Scheduler {
        Scheduler {
            cursor: None,
            queue: Vec::new(),
            stats: SchedulerStats::default(),
        }
    }
    pub fn attach(&mut self, store: &mut Store) {
        self.cursor = Some(store.watch());
        self.queue = store
            .iter::<Pod>()
            .filter(|(_, p)| p.node_name.is_none())
            .map(|(k, _)| k)
            .collect();
    }
    pub fn sync(&mut self, store: &mut Store, _now: Time) {
        let Some(c) = &self.cursor else { return };
        for ch in store.changes(c) {
            if ch.key.kind == crate::api::Kind::Pod && matches!(ch.op, ChangeOp::Added) {
                self.queue.push(Key::new(ch.key.index, ch.key.generation));
            }
            if matches!(ch.op, ChangeOp::Deleted(_)) || ch.key.kind == crate::api::Kind::Node {
                // capacity may have freed: retry everything pending
                self.queue.extend(
                    store
                        .iter::<Pod>()
                        .filter(|(_, p)| p.node_name.is_none() && p.metadata.deletion_timestamp.is_none())
                        .map(|(k, _)| k),
                );
            }
        }
        store.ack(c);
        self.queue.sort();
        self.queue.dedup();
    }
    pub fn schedule_pending(&mut self, store: &mut Store, _now: Time, _events: &mut EventLog) -> CycleStats {
        let mut out = CycleStats::default();
        let queue = std::mem::take(&mut self.queue);
        for key in queue {
            let Some(pod) = store.get(key) else { continue };
            if pod.node_name.is_some() || pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let req = &pod.spec.derived.requests;
            self.stats.attempts += 1;
            out.attempts += 1;
            let mut chosen = None;
            for (_, node) in store.iter::<Node>() {
                if (node.spec.unschedulable && !tolerates_unschedulable(pod))
                    || !node.is_ready()
                    || !node.metadata.labels.is_superset_of(&pod.spec.node_selector)
                    || !stand_in_filters::fits(pod, node)
                {
                    continue;
                }
                let name = node.metadata.name.base();
                let (mut cpu, mut mem, mut n) = (0, 0, 0);
                for pk in store.pods_on_node(name) {
                    if let Some(p) = store.get(*pk) {
                        cpu += p.spec.derived.requests.cpu();
                        mem += p.spec.derived.requests.memory();
                        n += 1;
                    }
                }
                let a = &node.status.allocatable;
                if cpu + req.cpu() <= a.cpu()
                    && mem + req.memory() <= a.memory()
                    && n < a.get_or_zero(crate::Symbol::PODS)
                {
                    chosen = Some(name);
                    break;
                }
            }
            match chosen {
                Some(node) => {
                    if store.bind(key, node).is_ok() {
                        self.stats.scheduled += 1;
                        out.scheduled += 1;
                    }
                }
                None => self.stats.unschedulable += 1,
            }
        }
        out
    }
    pub fn next_wakeup(&self) -> Option<Time> {
        None
    }
    pub fn stats(&self) -> &SchedulerStats {
        &self.stats
    }
}

/// The NodeUnschedulable plugin: a cordoned node takes pods that tolerate
/// `node.kubernetes.io/unschedulable:NoSchedule`.
fn tolerates_unschedulable(pod: &Pod) -> bool {
    let taint = crate::api::scheduling::Taint {
        key: crate::Symbol::intern("node.kubernetes.io/unschedulable"),
        value: crate::Symbol::EMPTY,
        effect: crate::api::scheduling::TaintEffect::NoSchedule,
        time_added: None,
    };
    crate::api::scheduling::tolerated(&pod.spec.tolerations, &taint)
}

/// INTERIM additions to the stand-in (for DaemonSet pods until the real
/// scheduler lands): required node affinity (matchExpressions and
/// matchFields `metadata.name`) and NoSchedule/NoExecute taints.
mod stand_in_filters {
    use crate::api::scheduling::{NodeSelectorOperator, NodeSelectorRequirement, TaintEffect, tolerated};
    use crate::api::{Node, Pod};
    use crate::intern::Symbol;

    fn req(r: &NodeSelectorRequirement, v: Option<Symbol>) -> bool {
        let int = |s: Symbol| s.as_str().parse::<i64>().ok();
        match r.operator {
            NodeSelectorOperator::In => v.is_some_and(|v| r.values.contains(&v)),
            NodeSelectorOperator::NotIn => !v.is_some_and(|v| r.values.contains(&v)),
            NodeSelectorOperator::Exists => v.is_some(),
            NodeSelectorOperator::DoesNotExist => v.is_none(),
            NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => {
                match (v.and_then(int), r.values.first().copied().and_then(int)) {
                    (Some(a), Some(b)) => {
                        (r.operator == NodeSelectorOperator::Gt && a > b)
                            || (r.operator == NodeSelectorOperator::Lt && a < b)
                    }
                    _ => false,
                }
            }
        }
    }

    pub(super) fn fits(pod: &Pod, node: &Node) -> bool {
        let untolerated = node.spec.taints.iter().any(|t| {
            matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
                && !tolerated(&pod.spec.tolerations, t)
        });
        if untolerated {
            return false;
        }
        let required = pod
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|na| na.required_during_scheduling_ignored_during_execution.as_ref());
        let Some(sel) = required else { return true };
        let name = node.metadata.name.to_symbol();
        sel.node_selector_terms.iter().any(|t| {
            (!t.match_expressions.is_empty() || !t.match_fields.is_empty())
                && t.match_expressions
                    .iter()
                    .all(|r| req(r, node.metadata.labels.get(r.key)))
                && t.match_fields
                    .iter()
                    .all(|r| r.key.as_str() == "metadata.name" && req(r, Some(name)))
        })
    }
}
