//! The end of a cycle: binding through the store's binding subresource, or recording why the
//! pod fits nowhere (PodScheduled=False, reason Unschedulable, Kubernetes' message, written only
//! when it changes), after trying preemption (evicting the victims through the store and
//! nominating the node).

use std::sync::Arc;

use super::Scheduler;
use super::cache::ClusterView;
use super::cycle::Env;
use super::pod_info::PodInfo;
use super::preemption::{Budget, PostFilter, preempt};
use super::queue::{event, events_for_plugin};
use super::verdict::{Diagnosis, fit_error_message};
use crate::api::meta::ConditionStatus;
use crate::api::pod::PodCondition;
use crate::api::{Kind, PodDisruptionBudget, Time};
use crate::events::{Event, EventLog, EventType, InvolvedObject};
use crate::intern::Symbol;
use crate::store::{DeleteOptions, Store};

/// The component name on events.
pub const SOURCE: &str = "default-scheduler";
/// Events and condition messages are cut at this many bytes (`NoteLengthLimit`).
const NOTE_LENGTH_LIMIT: usize = 1024;

fn involved(info: &PodInfo) -> InvolvedObject {
    InvolvedObject {
        kind: Kind::Pod,
        namespace: info.namespace,
        name: info.name,
        uid: info.uid,
    }
}

fn truncate(msg: &str) -> String {
    if msg.len() <= NOTE_LENGTH_LIMIT {
        return msg.to_owned();
    }
    let mut end = NOTE_LENGTH_LIMIT - 4;
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} ...", &msg[..end])
}

/// `Successfully assigned ns/pod to node`, built without the formatting machinery.
fn scheduled_message(info: &PodInfo, node: Symbol) -> String {
    let (ns, base, node) = (info.namespace.as_str(), info.name.base().as_str(), node.as_str());
    let mut m = String::with_capacity(32 + ns.len() + base.len() + node.len());
    m.push_str("Successfully assigned ");
    m.push_str(ns);
    m.push('/');
    m.push_str(base);
    if let Some(suffix) = info.name.suffix() {
        m.push_str(suffix);
    }
    m.push_str(" to ");
    m.push_str(node);
    m
}

impl Scheduler {
    /// Binds `info` to node `slot`; false if the store refused (the pod goes to back-off).
    pub(super) fn bind(
        &mut self,
        store: &mut Store,
        info: &Arc<PodInfo>,
        slot: u32,
        now: Time,
        events: &mut EventLog,
    ) -> bool {
        let node = self.cache.node(slot).name;
        let qslot = info.key.index();
        if store.bind(info.key, node).is_err() {
            self.queue.failed(qslot, event::ALL, now, true);
            return false;
        }
        let bound = if info.nominated_node.is_some() {
            let mut b = (**info).clone();
            b.nominated_node = None;
            Arc::new(b)
        } else {
            info.clone()
        };
        self.cache.upsert_pod(bound, node);
        if info.nominated_node.is_some() {
            self.nominator.remove(info);
        }
        if let Some(q) = self.queue.get(qslot) {
            self.stats.latency.record(now.since(q.enqueued));
        }
        self.queue.done(qslot);
        self.queue.on_event(event::POD_ADD, now);
        self.stats.scheduled += 1;
        events.push(Event {
            time: now,
            type_: EventType::Normal,
            reason: "Scheduled",
            involved: involved(info),
            message: scheduled_message(info, node),
            source: SOURCE,
        });
        true
    }

    /// Records a failed cycle: preemption, the verdict, the queue. True if it preempted.
    pub(super) fn fail(
        &mut self,
        store: &mut Store,
        info: &Arc<PodInfo>,
        diag: Diagnosis,
        now: Time,
        events: &mut EventLog,
    ) -> bool {
        // None: leave the nomination; Some(x): set it to x.
        let mut nominate: Option<Option<Symbol>> = None;
        let mut post_msg: Option<String> = None;
        let mut preempted = None;
        if self.config.preemption && diag.num_all_nodes > 0 {
            let budgets: Vec<Budget> = store
                .iter::<PodDisruptionBudget>()
                .map(|(_, p)| Budget::of(p))
                .collect();
            let env = Env::new(
                ClusterView {
                    cache: &self.cache,
                    store,
                },
                &self.config.profile,
                self.pool.as_ref(),
                &self.nominator,
                self.config.percentage_of_nodes_to_score,
            );
            match preempt(&env, info, &diag, &budgets, &mut self.rng) {
                PostFilter::Preempt(c) => preempted = Some(c),
                PostFilter::Unresolved(msg) => {
                    if !msg.starts_with("preemption: not eligible") {
                        nominate = Some(None);
                    }
                    post_msg = Some(msg);
                }
            }
        } else {
            nominate = Some(None);
        }
        let did_preempt = preempted.is_some();
        if let Some(c) = preempted {
            let node = self.cache.node(c.node).name;
            for v in &c.victims {
                if !v.deleting && store.delete(v.key, DeleteOptions::default()).is_ok() {
                    self.stats.victims += 1;
                    events.push(Event {
                        time: now,
                        type_: EventType::Normal,
                        reason: "Preempted",
                        involved: involved(v),
                        message: format!("Preempted by pod {} on node {}", info.uid, node.as_str()),
                        source: SOURCE,
                    });
                }
            }
            let lower: Vec<Arc<PodInfo>> = self
                .nominator
                .on(c.node)
                .iter()
                .filter(|p| p.priority < info.priority)
                .cloned()
                .collect();
            for p in lower {
                self.nominator.remove(&p);
                if store
                    .update(p.key, |x| x.status.nominated_node_name = None)
                    .is_ok()
                {
                    let mut cleared = (*p).clone();
                    cleared.nominated_node = None;
                    self.queue.update(Arc::new(cleared), now);
                }
            }
            let mut nominated = (**info).clone();
            nominated.nominated_node = Some(node);
            let nominated = Arc::new(nominated);
            self.nominator.set(nominated.clone(), Some(c.node));
            self.queue.set_info(nominated);
            nominate = Some(Some(node));
            self.stats.preemptions += 1;
        } else if nominate == Some(None) && info.nominated_node.is_some() {
            self.nominator.remove(info);
            let mut cleared = (**info).clone();
            cleared.nominated_node = None;
            self.queue.set_info(Arc::new(cleared));
        }
        let msg = truncate(&fit_error_message(&diag, post_msg.as_deref()));
        self.write_verdict(store, info, &msg, nominate, now);
        events.push(Event {
            time: now,
            type_: EventType::Warning,
            reason: "FailedScheduling",
            involved: involved(info),
            message: msg,
            source: SOURCE,
        });
        let mut mask = 0;
        for p in &diag.plugins {
            mask |= events_for_plugin(p);
        }
        if diag.plugins.is_empty() {
            mask = event::ALL;
        }
        self.queue.failed(info.key.index(), mask, now, false);
        did_preempt
    }

    fn write_verdict(
        &mut self,
        store: &mut Store,
        info: &PodInfo,
        msg: &str,
        nominate: Option<Option<Symbol>>,
        now: Time,
    ) {
        let reason = self.unschedulable_reason;
        let Some(pod) = store.get(info.key) else { return };
        let st = &pod.status;
        let nnn = nominate.unwrap_or(st.nominated_node_name);
        let cond_false = st
            .conditions
            .pod_scheduled
            .is_some_and(|c| c.status == ConditionStatus::False);
        if cond_false
            && st.reason == Some(reason)
            && st.message.as_deref() == Some(msg)
            && st.nominated_node_name == nnn
        {
            return;
        }
        let message: Arc<str> = Arc::from(msg);
        let _ = store.update(info.key, |p| {
            if !cond_false {
                p.status.conditions.pod_scheduled = Some(PodCondition::new(false, now));
            }
            p.status.reason = Some(reason);
            p.status.message = Some(message);
            p.status.nominated_node_name = nnn;
        });
    }
}
