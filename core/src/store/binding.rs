//! The pod binding subresource: how the scheduler places a pod.

use super::{ApiError, Key, Store};
use crate::api::pod::PodCondition;
use crate::api::{Kind, Pod};
use crate::intern::Symbol;

impl Store {
    /// Binds a pending pod to `node` (`pods/binding`): sets `spec.nodeName`
    /// and `PodScheduled=True`, clears a pending verdict. A pod already bound
    /// is a conflict, as in `pkg/registry/core/pod/storage` (`assignPod`).
    pub fn bind(&mut self, pod: Key<Pod>, node: Symbol) -> Result<(), ApiError> {
        let current = self.get(pod).ok_or_else(|| ApiError::NotFound {
            kind: Kind::Pod,
            name: format!("{pod:?}"),
        })?;
        if let Some(existing) = current.node_name {
            return Err(ApiError::Conflict {
                kind: Kind::Pod,
                name: current.metadata.name.to_string(),
                message: format!(
                    "pod {} is already assigned to node {:?}",
                    current.metadata.name,
                    existing.as_str()
                ),
            });
        }
        if current.metadata.deletion_timestamp.is_some() {
            return Err(ApiError::Conflict {
                kind: Kind::Pod,
                name: current.metadata.name.to_string(),
                message: "pod is being deleted".into(),
            });
        }
        let now = self.now();
        self.update(pod, |p| {
            p.node_name = Some(node);
            p.status.conditions.pod_scheduled = Some(PodCondition::new(true, now));
            p.status.reason = None;
            p.status.message = None;
            p.status.nominated_node_name = None;
        })
    }
}
