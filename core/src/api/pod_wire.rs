//! The JSON shape of a pod: `spec.nodeName` inside the spec, the compact
//! status expanded into Kubernetes' conditions and container statuses.

use std::net::Ipv4Addr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::meta::{ConditionStatus, ObjectMeta};
use super::pod::{ContainerState, Pod, PodCondition, PodPhase, PodSpec, PodStatus};
use super::time::Time;
use crate::intern::Symbol;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodOut<'a> {
    metadata: &'a ObjectMeta,
    spec: SpecOut<'a>,
    status: StatusOut<'a>,
}

#[derive(Serialize)]
struct SpecOut<'a> {
    #[serde(flatten)]
    spec: &'a PodSpec,
    #[serde(rename = "nodeName", skip_serializing_if = "Option::is_none")]
    node_name: Option<Symbol>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConditionOut {
    #[serde(rename = "type")]
    type_: &'static str,
    status: ConditionStatus,
    last_transition_time: Time,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Symbol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Arc<str>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerStatusOut {
    name: Symbol,
    image: Symbol,
    ready: bool,
    restart_count: u32,
    started: bool,
    state: serde_json::Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusOut<'a> {
    phase: PodPhase,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<ConditionOut>,
    #[serde(rename = "podIP", skip_serializing_if = "Option::is_none")]
    pod_ip: Option<Ipv4Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<Time>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    container_statuses: Vec<ContainerStatusOut>,
    qos_class: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Symbol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nominated_node_name: Option<Symbol>,
}

fn status_out(pod: &Pod) -> StatusOut<'_> {
    let s = &pod.status;
    let c = &s.conditions;
    let mut conditions = Vec::new();
    let mut push = |type_: &'static str, cond: Option<PodCondition>, reason: Option<Symbol>, message| {
        if let Some(cond) = cond {
            conditions.push(ConditionOut {
                type_,
                status: cond.status,
                last_transition_time: cond.last_transition_time,
                reason,
                message,
            });
        }
    };
    let pending_verdict = c
        .pod_scheduled
        .is_some_and(|p| p.status == ConditionStatus::False);
    push(
        "PodScheduled",
        c.pod_scheduled,
        if pending_verdict { s.reason } else { None },
        if pending_verdict { s.message.clone() } else { None },
    );
    push("Initialized", c.initialized, None, None);
    push("ContainersReady", c.containers_ready, None, None);
    push("Ready", c.ready, None, None);
    let ready = pod.is_ready();
    let state = match s.container_state {
        ContainerState::None => serde_json::Value::Null,
        ContainerState::Waiting(reason) => serde_json::json!({"waiting": {"reason": reason}}),
        ContainerState::Running { started_at } => {
            serde_json::json!({"running": {"startedAt": started_at}})
        }
        ContainerState::Terminated {
            exit_code,
            finished_at,
        } => serde_json::json!({"terminated": {
            "exitCode": exit_code,
            "reason": if exit_code == 0 { "Completed" } else { "Error" },
            "finishedAt": finished_at,
        }}),
    };
    let container_statuses = if state.is_null() {
        Vec::new()
    } else {
        pod.spec
            .containers
            .iter()
            .map(|c| ContainerStatusOut {
                name: c.name,
                image: c.image,
                ready,
                restart_count: s.restart_count,
                started: matches!(s.container_state, ContainerState::Running { .. }),
                state: state.clone(),
            })
            .collect()
    };
    StatusOut {
        phase: s.phase,
        conditions,
        pod_ip: s.pod_ip,
        start_time: s.start_time,
        container_statuses,
        qos_class: pod.spec.derived.qos.as_str(),
        reason: if pending_verdict { None } else { s.reason },
        message: if pending_verdict { None } else { s.message.as_ref() },
        nominated_node_name: s.nominated_node_name,
    }
}

impl Serialize for Pod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        PodOut {
            metadata: &self.metadata,
            spec: SpecOut {
                spec: &self.spec,
                node_name: self.node_name,
            },
            status: status_out(self),
        }
        .serialize(serializer)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConditionIn {
    #[serde(rename = "type")]
    type_: String,
    status: ConditionStatus,
    #[serde(default)]
    last_transition_time: Time,
    #[serde(default)]
    reason: Option<Symbol>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StatusIn {
    #[serde(default)]
    phase: PodPhase,
    #[serde(default)]
    conditions: Vec<ConditionIn>,
    #[serde(default, rename = "podIP")]
    pod_ip: Option<Ipv4Addr>,
    #[serde(default)]
    start_time: Option<Time>,
    #[serde(default)]
    reason: Option<Symbol>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    nominated_node_name: Option<Symbol>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodIn {
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(default)]
    spec: PodSpec,
    #[serde(default)]
    status: Option<StatusIn>,
}

impl<'de> Deserialize<'de> for Pod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let PodIn {
            metadata,
            mut spec,
            status,
        } = PodIn::deserialize(deserializer)?;
        let node_name = spec.node_name.take();
        let s = status.unwrap_or_default();
        let mut status = PodStatus {
            phase: s.phase,
            pod_ip: s.pod_ip,
            start_time: s.start_time,
            reason: s.reason,
            message: s.message.map(Arc::from),
            nominated_node_name: s.nominated_node_name,
            ..PodStatus::default()
        };
        for c in s.conditions {
            let cond = Some(PodCondition {
                status: c.status,
                last_transition_time: c.last_transition_time,
            });
            match c.type_.as_str() {
                "PodScheduled" => {
                    status.conditions.pod_scheduled = cond;
                    if c.reason.is_some() {
                        status.reason = c.reason;
                        status.message = c.message.map(Arc::from);
                    }
                }
                "Initialized" => status.conditions.initialized = cond,
                "ContainersReady" => status.conditions.containers_ready = cond,
                "Ready" => status.conditions.ready = cond,
                _ => {}
            }
        }
        Ok(Pod {
            metadata,
            spec: Arc::new(spec),
            node_name,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_name_round_trips_through_the_spec() {
        let json = r#"{"metadata":{"name":"p","namespace":"default"},
            "spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx"}]}}"#;
        let pod: Pod = serde_json::from_str(json).unwrap();
        assert_eq!(pod.node_name, Some(Symbol::intern("n1")));
        assert_eq!(pod.spec.node_name, None);
        let out = serde_json::to_value(&pod).unwrap();
        assert_eq!(out["spec"]["nodeName"], "n1");
        assert_eq!(out["spec"]["containers"][0]["image"], "nginx");
        assert_eq!(out["status"]["phase"], "Pending");
    }
}
