//! Keeping the scheduler in step with the store: the change feed updates the cache and the
//! queue (kube-scheduler's event handlers, `pkg/scheduler/eventhandlers.go`), and the checks
//! that decide whether a pod may take the fast path.

use std::sync::Arc;

use super::Scheduler;
use super::cache::ClusterView;
use super::fast::AntiCheck;
use super::framework::Builtin;
use super::plugins::node_affinity::node_names_from_fields;
use super::plugins::topology_spread::{Constraint, counters_apply};
use super::pod_info::{AffinityTerm, PodInfo};
use super::queue::event;
use crate::api::scheduling::UnsatisfiableConstraintAction;
use crate::api::{AnyObject, Kind, Node, Pod, Time};
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::store::{ChangeOp, Key, Store};

impl Scheduler {
    pub(super) fn sync_feed(&mut self, store: &mut Store, now: Time) {
        let Some(cursor) = self.cursor.take() else {
            return;
        };
        let mut events = 0u32;
        let changes = store.changes(&cursor);
        let n = changes.len();
        for ch in changes {
            match ch.key.kind {
                Kind::Node => {
                    let key = Key::<Node>::new(ch.key.index, ch.key.generation);
                    match &ch.op {
                        ChangeOp::Deleted(_) => {
                            if self.cache.remove_node(key) {
                                events |= event::NODE_DELETE;
                            }
                        }
                        _ => {
                            if let Some(node) = store.get(key) {
                                let c = self.cache.upsert_node(key, node);
                                if c.added {
                                    events |= event::NODE_ADD;
                                }
                                if c.labels {
                                    events |= event::NODE_LABEL;
                                }
                                if c.taints {
                                    events |= event::NODE_TAINT;
                                }
                                if c.allocatable {
                                    events |= event::NODE_ALLOCATABLE;
                                }
                                if c.unschedulable {
                                    events |= event::NODE_UNSCHEDULABLE;
                                }
                            }
                        }
                    }
                }
                Kind::Pod => {
                    let key = Key::<Pod>::new(ch.key.index, ch.key.generation);
                    match &ch.op {
                        ChangeOp::Deleted(obj) => {
                            if let AnyObject::Pod(p) = &**obj {
                                events |= self.pod_gone(key, p);
                            }
                        }
                        _ => events |= self.pod_changed_inner(store, key, now),
                    }
                }
                Kind::Service | Kind::ReplicaSet | Kind::StatefulSet => self.selector_epoch += 1,
                _ => {}
            }
        }
        store.advance(&cursor, n);
        self.cursor = Some(cursor);
        self.cache.refresh();
        if events != 0 {
            self.queue.on_event(events, now);
        }
    }

    /// Takes a pod's current state from the store (used by `attach` too).
    pub(super) fn pod_changed(&mut self, store: &Store, key: Key<Pod>, now: Time) {
        let ev = self.pod_changed_inner(store, key, now);
        if ev != 0 {
            self.queue.on_event(ev, now);
        }
    }

    fn ours(&self, pod: &Pod) -> bool {
        pod.spec
            .scheduler_name
            .is_none_or(|n| n == self.config.profile.scheduler_name)
    }

    fn info_of(&mut self, key: Key<Pod>, pod: &Pod) -> Arc<PodInfo> {
        let t = self.templates.get(&pod.spec);
        Arc::new(PodInfo::new(key, pod, t))
    }

    fn pod_changed_inner(&mut self, store: &Store, key: Key<Pod>, now: Time) -> u32 {
        let Some(pod) = store.get(key) else { return 0 };
        let slot = key.index();
        if let Some(node) = pod.node_name {
            if self.queue.get(slot).is_some_and(|q| q.info.key == key) {
                let info = self.queue.get(slot).expect("queued").info.clone();
                self.nominator.remove(&info);
                self.queue.remove(slot);
            }
            if pod.is_terminal() {
                return match self.cache.remove_pod(slot) {
                    Some(_) => event::POD_DELETE,
                    None => 0,
                };
            }
            if let Some(rec) = self.cache.pod_by_key(key)
                && rec.node_name == node
                && rec.info.deleting == pod.metadata.deletion_timestamp.is_some()
                && rec.info.labels == pod.metadata.labels
                && rec.info.start_time == pod.status.start_time
            {
                return 0;
            }
            let was = self.cache.pod_by_key(key).is_some();
            let labels_changed = self
                .cache
                .pod_by_key(key)
                .is_some_and(|r| r.info.labels != pod.metadata.labels);
            let info = self.info_of(key, pod);
            self.cache.upsert_pod(info, node);
            return if !was {
                event::POD_ADD
            } else if labels_changed {
                event::POD_UPDATE
            } else {
                0
            };
        }
        // Pending.
        if pod.is_terminal() || pod.metadata.deletion_timestamp.is_some() || !self.ours(pod) {
            if let Some(q) = self.queue.get(slot)
                && q.info.key == key
            {
                let info = q.info.clone();
                self.nominator.remove(&info);
                self.queue.remove(slot);
            }
            return 0;
        }
        let ev = match self.cache.remove_pod(slot) {
            Some(_) => event::POD_DELETE,
            None => 0,
        };
        match self.queue.get(slot) {
            Some(q) if q.info.key == key => {
                let old = q.info.clone();
                let changed = !Arc::ptr_eq(&old.template.spec, &pod.spec)
                    || old.labels != pod.metadata.labels
                    || old.priority != pod.priority();
                if changed || old.nominated_node != pod.status.nominated_node_name {
                    let info = self.info_of(key, pod);
                    if changed {
                        self.queue.update(info, now);
                    } else {
                        self.queue.set_info(info);
                    }
                }
            }
            _ => {
                let info = self.info_of(key, pod);
                if let Some(nn) = info.nominated_node {
                    let s = self.cache.slot_of(nn);
                    self.nominator.set(info.clone(), s);
                }
                self.queue.add(info, now);
            }
        }
        ev
    }

    fn pod_gone(&mut self, key: Key<Pod>, _last: &Pod) -> u32 {
        let slot = key.index();
        if let Some(q) = self.queue.get(slot)
            && q.info.key == key
        {
            let info = q.info.clone();
            self.nominator.remove(&info);
            self.queue.remove(slot);
        }
        if self.cache.pod_by_key(key).is_some() && self.cache.remove_pod(slot).is_some() {
            return event::POD_DELETE;
        }
        0
    }

    /// Which built-ins the profile runs, read once.
    pub(super) fn profile_flags(p: &super::Profile) -> ProfileFlags {
        ProfileFlags {
            node_ports: p.has_filter(Builtin::NodePorts),
            node_affinity_filter: p.has_filter(Builtin::NodeAffinity),
            node_affinity_score: p.score_weight(Builtin::NodeAffinity).is_some(),
            taint_score: p.score_weight(Builtin::TaintToleration).is_some(),
            ipa_filter: p.has_filter(Builtin::InterPodAffinity),
            ipa_score: p.score_weight(Builtin::InterPodAffinity).is_some(),
            spread: p.has_filter(Builtin::PodTopologySpread)
                || p.score_weight(Builtin::PodTopologySpread).is_some(),
        }
    }

    /// Whether the fast path reproduces the plugins' decision for `info` (every score it
    /// would get is a per-node function or system-default spreading, every dynamic filter
    /// skips it), and how: the node-local anti-affinity check, and the spreading to score.
    pub(super) fn fast_eligible(&mut self, store: &Store, info: &PodInfo) -> Option<FastPlan> {
        if !self.config.fast_path || self.scoring.is_none() || !self.nominator.is_empty() {
            return None;
        }
        let f = self.flags;
        let t = &info.template;
        if info.nominated_node.is_some() {
            return None;
        }
        if f.node_ports && !t.host_ports.is_empty() {
            return None;
        }
        if f.node_affinity_filter && t.required_terms.is_some() && node_names_from_fields(info).is_some() {
            return None;
        }
        if f.node_affinity_score && t.has_preferred_terms {
            return None;
        }
        if f.taint_score && self.cache.prefer_no_schedule_nodes > 0 {
            return None;
        }
        let anti = self.anti_check(info).ok()?;
        let p = &self.config.profile;
        let Some(spread) = p.spread.as_ref().filter(|_| f.spread) else {
            return Some(FastPlan { anti, spread: None });
        };
        if !t.spec.topology_spread_constraints.is_empty() {
            return None;
        }
        if spread.default_constraints.is_empty() {
            return Some(FastPlan { anti, spread: None });
        }
        let key = (
            info.namespace,
            info.labels.as_slice().as_ptr() as usize,
            info.owner,
        );
        let epoch = self.selector_epoch;
        let plan = match self.spread_plans.get(&key) {
            Some((e, _, plan)) if *e == epoch => plan.clone(),
            _ => {
                let cx = ClusterView {
                    cache: &self.cache,
                    store,
                };
                let plan = if spread.skips(&cx, info) {
                    SpreadPlan::Skips
                } else if spread.system_defaulted
                    && spread
                        .default_constraints
                        .iter()
                        .all(|c| c.when_unsatisfiable == UnsatisfiableConstraintAction::ScheduleAnyway)
                {
                    // The filter skips (no DoNotSchedule constraint); the score counts every
                    // node (system defaults do not require the keys).
                    SpreadPlan::Default(Arc::new(spread.constraints(
                        &cx,
                        info,
                        UnsatisfiableConstraintAction::ScheduleAnyway,
                    )))
                } else {
                    SpreadPlan::General
                };
                if self.spread_plans.len() > 4096 {
                    self.spread_plans.clear();
                }
                self.spread_plans
                    .insert(key, (epoch, info.labels.clone(), plan.clone()));
                plan
            }
        };
        match plan {
            SpreadPlan::Skips => Some(FastPlan { anti, spread: None }),
            SpreadPlan::General => None,
            // The incremental counters give exact domain counts only when no node affinity
            // limits the domains (`counters_apply`).
            SpreadPlan::Default(cs) if counters_apply(info, &cs) => {
                let weight = p.score_weight(Builtin::PodTopologySpread);
                Some(FastPlan {
                    anti,
                    spread: weight.map(|w| (cs, w)),
                })
            }
            SpreadPlan::Default(_) => None,
        }
    }

    /// InterPodAffinity's part of fast-path eligibility: `Ok(None)` when the plugin skips the
    /// pod, `Ok(Some(check))` when its filter is node-local (required anti-affinity over unique
    /// hostnames only, no namespace selectors) and its score skips, `Err` otherwise.
    fn anti_check(&mut self, info: &PodInfo) -> Result<Option<AntiCheck>, ()> {
        let f = self.flags;
        let a = &info.template.affinity;
        if (f.ipa_filter && !a.required_affinity.is_empty())
            || (f.ipa_score && (!a.preferred_affinity.is_empty() || !a.preferred_anti_affinity.is_empty()))
        {
            return Err(());
        }
        let own_anti = f.ipa_filter && !a.required_anti_affinity.is_empty();
        let existing_anti = f.ipa_filter && !self.cache.anti_affinity_pods.is_empty();
        let existing_terms = f.ipa_score && !self.cache.affinity_pods.is_empty();
        if !own_anti && !existing_anti && !existing_terms {
            return Ok(None);
        }
        let local =
            |t: &AffinityTerm| t.topology_key == Symbol::HOSTNAME && t.namespace_selector.is_nothing();
        if !a.required_anti_affinity.iter().all(local) {
            return Err(());
        }
        if !self.cache.unique_hostnames() {
            return Err(());
        }
        let none = Labels::new();
        {
            let counters = self.cache.counters.lock().expect("counters");
            for g in counters.groups.values() {
                let ga = &g.template.affinity;
                let hits = |t: &AffinityTerm| {
                    !t.namespace_selector.is_nothing()
                        || t.matches(g.namespace, info.namespace, &info.labels, &none)
                };
                if f.ipa_filter && ga.required_anti_affinity.iter().any(|t| !local(t) && hits(t)) {
                    return Err(());
                }
                if f.ipa_score
                    && (ga.required_affinity.iter().any(hits)
                        || ga.preferred_affinity.iter().any(|(_, t)| hits(t))
                        || ga.preferred_anti_affinity.iter().any(|(_, t)| hits(t)))
                {
                    return Err(());
                }
            }
        }
        if !own_anti && !existing_anti {
            return Ok(None);
        }
        Ok(Some(AntiCheck {
            labels: info.labels.clone(),
            namespace: info.namespace,
            terms: a.required_anti_affinity.clone(),
        }))
    }
}

/// How the fast path decides a pod.
pub(super) struct FastPlan {
    /// The node-local required anti-affinity check, if any.
    pub anti: Option<AntiCheck>,
    /// System-default spreading to score: the compiled constraints and the plugin weight.
    pub spread: Option<(Arc<Vec<Constraint>>, i64)>,
}

/// What PodTopologySpread does with the pods of one (namespace, labels, owner), cached until
/// a Service, ReplicaSet or StatefulSet changes.
#[derive(Clone, Debug)]
pub(super) enum SpreadPlan {
    /// No constraint applies: the plugin skips the pod.
    Skips,
    /// The system default constraints, scored only.
    Default(Arc<Vec<Constraint>>),
    /// Anything else: the plugins decide.
    General,
}

/// Which built-in plugins a profile runs (what the fast-path checks need).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ProfileFlags {
    node_ports: bool,
    node_affinity_filter: bool,
    node_affinity_score: bool,
    taint_score: bool,
    ipa_filter: bool,
    ipa_score: bool,
    spread: bool,
}
