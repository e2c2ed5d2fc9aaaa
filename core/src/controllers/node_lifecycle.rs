//! Taint-based eviction (the node lifecycle controller's taint manager):
//! pods on a node with a NoExecute taint they do not tolerate are deleted;
//! those that tolerate it for `tolerationSeconds` are deleted when that runs
//! out (300 s for the not-ready and unreachable taints every pod gets).

use super::{Controller, Ctx};
use crate::api::scheduling::{TaintEffect, tolerated};
use crate::api::{Kind, Node, Pod, Time};
use crate::store::{Change, ChangeOp, DeleteOptions, ObjectKey, Store, object_key, typed_key};

/// The taint eviction controller.
#[derive(Default)]
pub struct TaintEvictionController;

impl Controller for TaintEvictionController {
    fn name(&self) -> &'static str {
        "taint-eviction-controller"
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        if matches!(change.op, ChangeOp::Deleted(_)) {
            return;
        }
        match change.key.kind {
            Kind::Node => {
                if let Some(k) = typed_key::<Node>(change.key)
                    && store.get(k).is_some_and(has_no_execute)
                {
                    enqueue(change.key);
                }
            }
            Kind::Pod => {
                let Some(k) = typed_key::<Pod>(change.key) else {
                    return;
                };
                let Some(node) = store.get(k).and_then(|p| p.node_name) else {
                    return;
                };
                if let Some(nk) =
                    store.lookup_name::<Node>(crate::Symbol::EMPTY, &crate::api::Name::from_symbol(node))
                    && store.get(nk).is_some_and(has_no_execute)
                {
                    enqueue(object_key(nk));
                }
            }
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(nk) = typed_key::<Node>(key) else { return };
        let Some(node) = ctx.store.get(nk) else { return };
        let taints: Vec<_> = node
            .spec
            .taints
            .iter()
            .filter(|t| t.effect == TaintEffect::NoExecute)
            .cloned()
            .collect();
        if taints.is_empty() {
            return;
        }
        let name = node.metadata.name.base();
        let now = ctx.now;
        let mut next: Option<Time> = None;
        let pods: Vec<_> = ctx.store.pods_on_node(name).to_vec();
        for pk in pods {
            let Some(pod) = ctx.store.get(pk) else { continue };
            if pod.metadata.deletion_timestamp.is_some() || pod.is_terminal() {
                continue;
            }
            // The earliest time any untolerated-forever taint evicts the pod.
            let mut evict_at: Option<Time> = None;
            for taint in &taints {
                let matching: Vec<_> = pod
                    .spec
                    .tolerations
                    .iter()
                    .filter(|t| t.tolerates(taint))
                    .collect();
                let at = if matching.is_empty() || !tolerated(&pod.spec.tolerations, taint) {
                    Some(now)
                } else if matching.iter().any(|t| t.toleration_seconds.is_none()) {
                    None
                } else {
                    let secs = matching
                        .iter()
                        .filter_map(|t| t.toleration_seconds)
                        .min()
                        .unwrap_or(0)
                        .max(0);
                    Some(taint.time_added.unwrap_or(now).plus_secs(secs))
                };
                if let Some(at) = at {
                    evict_at = Some(evict_at.map_or(at, |e| e.min(at)));
                }
            }
            match evict_at {
                Some(at) if at <= now => {
                    let _ = ctx.store.delete(pk, DeleteOptions::default());
                }
                Some(at) => next = Some(next.map_or(at, |n| n.min(at))),
                None => {}
            }
        }
        if let Some(at) = next {
            ctx.requeue_after(key, at.since(now));
        }
    }
}

fn has_no_execute(node: &Node) -> bool {
    node.spec
        .taints
        .iter()
        .any(|t| t.effect == TaintEffect::NoExecute)
}
