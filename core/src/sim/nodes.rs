//! Node failure and recovery: a failed node's kubelet stops; after the
//! node-monitor grace period the node lifecycle controller marks it
//! `Ready=Unknown` and taints it unreachable (NoSchedule and NoExecute),
//! and taint eviction removes its pods after their toleration (300 s by
//! default) so their controllers replace them elsewhere.

use super::Simulation;
use super::timers::Timer;
use crate::api::meta::{Condition, ConditionStatus, set_condition};
use crate::api::scheduling::{Taint, TaintEffect};
use crate::api::{Node, Uid};
use crate::intern::Symbol;
use crate::store::admission::TAINT_UNREACHABLE;
use crate::store::{ApiError, Key};

impl Simulation {
    fn node_key(&self, name: &str) -> Result<Key<Node>, ApiError> {
        self.store
            .lookup::<Node>("", name)
            .ok_or_else(|| ApiError::NotFound {
                kind: crate::api::Kind::Node,
                name: name.to_owned(),
            })
    }

    /// Fails a node: its kubelet stops reporting and stops acting.
    pub fn fail_node(&mut self, name: &str) -> Result<(), ApiError> {
        let key = self.node_key(name)?;
        let uid = self.store.get(key).map(|n| n.metadata.uid).unwrap_or_default();
        self.kubelet.fail_node(Symbol::intern(name));
        let grace = self.config.node_lifecycle.node_monitor_grace_period.0;
        self.timers
            .set(self.now.plus_millis(grace), Timer::NodeSilent { node: key, uid });
        Ok(())
    }

    /// Recovers a failed node: it reports Ready again and loses the
    /// unreachable taints; its kubelet finishes what was pending.
    pub fn recover_node(&mut self, name: &str) -> Result<(), ApiError> {
        let key = self.node_key(name)?;
        let now = self.now;
        self.store.update(key, |n| {
            n.spec.taints.retain(|t| t.key.as_str() != TAINT_UNREACHABLE);
            set_condition(
                &mut n.status.conditions,
                ready(
                    ConditionStatus::True,
                    "KubeletReady",
                    "kubelet is posting ready status",
                    now,
                ),
            );
        })?;
        self.kubelet
            .recover_node(&mut self.store, &mut self.timers, Symbol::intern(name), now);
        Ok(())
    }
}

fn ready(status: ConditionStatus, reason: &str, message: &str, now: crate::api::Time) -> Condition {
    Condition {
        type_: Symbol::intern("Ready"),
        status,
        last_transition_time: now,
        last_update_time: None,
        reason: Symbol::intern(reason),
        message: message.into(),
    }
}

/// The grace period passed without a report: `Ready=Unknown` and the
/// unreachable taints (`pkg/controller/nodelifecycle`).
pub(super) fn mark_unreachable(sim: &mut Simulation, key: Key<Node>, uid: Uid) {
    let Some(node) = sim.store.get(key) else { return };
    if node.metadata.uid != uid || !sim.kubelet.is_down(node.metadata.name.base()) {
        return;
    }
    let now = sim.now;
    let _ = sim.store.update(key, |n| {
        set_condition(
            &mut n.status.conditions,
            ready(
                ConditionStatus::Unknown,
                "NodeStatusUnknown",
                "Kubelet stopped posting node status.",
                now,
            ),
        );
        for effect in [TaintEffect::NoSchedule, TaintEffect::NoExecute] {
            if !n
                .spec
                .taints
                .iter()
                .any(|t| t.key.as_str() == TAINT_UNREACHABLE && t.effect == effect)
            {
                n.spec.taints.push(Taint {
                    key: Symbol::intern(TAINT_UNREACHABLE),
                    value: Symbol::EMPTY,
                    effect,
                    time_added: (effect == TaintEffect::NoExecute).then_some(now),
                });
            }
        }
    });
}
