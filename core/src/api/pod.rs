//! Pods: the spec (shared between the pods of one template), the per-pod
//! binding and the status the kubelet reports.

use std::net::Ipv4Addr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::meta::{ConditionStatus, IntOrString, ObjectMeta};
use super::resources::{ResourceList, ResourceRequirements};
use super::scheduling::{Affinity, Toleration, TopologySpreadConstraint};
use super::time::Time;
use crate::intern::Symbol;
use crate::labels::Labels;

/// The CPU a container without a CPU request counts as when *scoring*
/// (kube-scheduler `DefaultMilliCPURequest`).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// The memory a container without a memory request counts as when scoring
/// (`DefaultMemoryRequest`, 200 MiB).
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// A pod (`v1/Pod`).
///
/// `spec` is shared (`Arc`) between all pods created from one template, so a
/// pod costs its metadata and status, not a copy of its containers.
/// `spec.nodeName` lives in [`Pod::node_name`] instead, because binding sets it
/// per pod; it is printed inside `spec` as Kubernetes does.
#[derive(Clone, Debug, PartialEq)]
pub struct Pod {
    /// Metadata.
    pub metadata: ObjectMeta,
    /// The desired state, shared with the pod's siblings.
    pub spec: Arc<PodSpec>,
    /// `spec.nodeName`: the node the pod is bound to.
    pub node_name: Option<Symbol>,
    /// The observed state.
    pub status: PodStatus,
}

impl Pod {
    /// Whether the pod is bound to a node.
    pub fn is_scheduled(&self) -> bool {
        self.node_name.is_some()
    }

    /// Whether the pod has finished (Succeeded or Failed).
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.phase, PodPhase::Succeeded | PodPhase::Failed)
    }

    /// Active in the controllers' sense: not terminal and not being deleted
    /// (`controller.IsPodActive`).
    pub fn is_active(&self) -> bool {
        !self.is_terminal() && self.metadata.deletion_timestamp.is_none()
    }

    /// Whether the Ready condition is True.
    pub fn is_ready(&self) -> bool {
        self.status
            .conditions
            .ready
            .is_some_and(|c| c.status == ConditionStatus::True)
    }

    /// Available: Ready for at least `min_ready_seconds` at `now`
    /// (`podutil.IsPodAvailable`: ready and, when minReadySeconds > 0,
    /// readySince + minReadySeconds < now).
    pub fn is_available(&self, min_ready_seconds: i32, now: Time) -> bool {
        match self.status.conditions.ready {
            Some(c) if c.status == ConditionStatus::True => {
                min_ready_seconds <= 0 || c.last_transition_time.plus_secs(i64::from(min_ready_seconds)) < now
            }
            _ => false,
        }
    }

    /// The pod's priority (0 when unset).
    pub fn priority(&self) -> i32 {
        self.spec.priority.unwrap_or(0)
    }
}

/// `spec.restartPolicy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RestartPolicy {
    /// Restart containers whatever their exit (the default).
    #[default]
    Always,
    /// Restart containers that fail.
    OnFailure,
    /// Never restart.
    Never,
}

/// `spec.preemptionPolicy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PreemptionPolicy {
    /// May preempt lower-priority pods (the default).
    #[default]
    PreemptLowerPriority,
    /// Never preempts.
    Never,
}

/// A port protocol.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(clippy::upper_case_acronyms)]
pub enum Protocol {
    /// TCP (the default).
    #[default]
    TCP,
    /// UDP.
    UDP,
    /// SCTP.
    SCTP,
}

/// `containers[].ports[]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    /// An IANA service name that Services can target by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Symbol>,
    /// The port the container listens on.
    pub container_port: i32,
    /// A port on the node (NodePorts filter checks conflicts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i32>,
    /// The host IP to bind (default all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<Symbol>,
    /// TCP, UDP or SCTP.
    #[serde(default)]
    pub protocol: Protocol,
}

/// A key in a ConfigMap or Secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeySelector {
    /// The ConfigMap or Secret name.
    pub name: Symbol,
    /// The key.
    pub key: String,
    /// Whether a missing object or key is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// `env[].valueFrom`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarSource {
    /// A ConfigMap key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<KeySelector>,
    /// A Secret key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<KeySelector>,
    /// A field of the pod (the downward API), such as a Job's
    /// `metadata.labels['batch.kubernetes.io/job-completion-index']`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<ObjectFieldSelector>,
}

/// `env[].valueFrom.fieldRef`: a field of the pod itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectFieldSelector {
    /// The schema version of `fieldPath` (`v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The field, such as `metadata.name`.
    pub field_path: String,
}

/// `containers[].env[]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    /// The variable name.
    pub name: String,
    /// A literal value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A value from a ConfigMap, a Secret or a field of the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvVarSource>,
}

/// A whole ConfigMap or Secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRefSelector {
    /// The name.
    pub name: Symbol,
    /// Whether a missing object is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// `containers[].envFrom[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvFromSource {
    /// A prefix for every variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// All keys of a ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<ObjectRefSelector>,
    /// All keys of a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<ObjectRefSelector>,
}

/// A probe's timing (the handler itself is not simulated).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    /// Seconds after start before the first probe.
    #[serde(default)]
    pub initial_delay_seconds: i32,
    /// Seconds between probes (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<i32>,
    /// Consecutive successes to pass (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<i32>,
    /// Consecutive failures to fail (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<i32>,
}

/// `containers[]` and `initContainers[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Unique within the pod.
    pub name: Symbol,
    /// The image (changing it is what a rollout usually does).
    #[serde(default)]
    pub image: Symbol,
    /// Ports the container exposes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Environment from whole ConfigMaps or Secrets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_from: Vec<EnvFromSource>,
    /// Requests and limits.
    #[serde(default)]
    pub resources: ResourceRequirements,
    /// `Always` on an init container makes it a sidecar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// Readiness probe timing: `initialDelaySeconds` delays readiness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
}

impl Container {
    /// Whether this (init) container is a restartable sidecar.
    pub fn is_sidecar(&self) -> bool {
        self.restart_policy == Some(RestartPolicy::Always)
    }
}

/// A volume (only references to other objects matter to the simulation).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    /// The volume name.
    pub name: Symbol,
    /// A ConfigMap volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ObjectRefSelector>,
    /// A Secret volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretVolumeSource>,
    /// A claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<ClaimVolumeSource>,
}

/// `volumes[].secret`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretVolumeSource {
    /// The Secret.
    pub secret_name: Symbol,
    /// Whether a missing Secret is acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// `volumes[].persistentVolumeClaim`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimVolumeSource {
    /// The claim's name.
    pub claim_name: Symbol,
}

/// The pod spec. Shared between the pods of one template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    /// App containers (at least one).
    #[serde(default)]
    pub containers: Vec<Container>,
    /// Init containers, run in order before the app containers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    /// Fixed per-pod cost added to the requests (RuntimeClass overhead).
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub overhead: ResourceList,
    /// Node labels the node must have.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub node_selector: Labels,
    /// Node and pod (anti-)affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Taints this pod tolerates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// Spread constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
    /// Name of a PriorityClass; admission resolves it into `priority`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<Symbol>,
    /// Scheduling priority (higher first; preemption victims are lower).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Whether the pod may preempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption_policy: Option<PreemptionPolicy>,
    /// What the kubelet does when containers exit.
    #[serde(default)]
    pub restart_policy: RestartPolicy,
    /// Host networking (affects DaemonSet tolerations and port conflicts).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host_network: bool,
    /// Hostname (StatefulSet pods get their own name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Symbol>,
    /// Subdomain (a StatefulSet's serviceName).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<Symbol>,
    /// The scheduler that places it (`default-scheduler`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<Symbol>,
    /// Grace period for deletion (default 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    /// Seconds a pod may run before the kubelet fails it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    /// Volumes (references to ConfigMaps, Secrets and claims).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// The service account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<Symbol>,
    /// The requested node, as written by the user. On admission it moves to
    /// [`Pod::node_name`]; in a stored spec it is always `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<Symbol>,
    /// Figures computed once on admission (not part of the wire format).
    #[serde(skip)]
    pub derived: PodDerived,
}

/// Figures derived from a pod spec on admission, so the scheduler and quota
/// never recompute them per pod.
///
/// Cloning gives the empty default: a copied (and then perhaps modified) spec
/// must be derived and validated again, while the pods that share one `Arc`
/// share its figures. Equality ignores it: it is a cache, never part of a
/// spec's identity.
#[derive(Debug, Default)]
pub struct PodDerived {
    /// Whether the figures below were computed for this allocation.
    pub computed: bool,
    /// Whether admission validated this allocation.
    pub validated: bool,
    /// The pod's effective request (kube-scheduler `computePodResourceRequest`:
    /// max of the app containers' sum and each init container's need, plus
    /// overhead).
    pub requests: ResourceList,
    /// The effective limits, the same way.
    pub limits: ResourceList,
    /// CPU for scoring, with 100m for containers that request none.
    pub non_zero_milli_cpu: i64,
    /// Memory for scoring, with 200 MiB for containers that request none.
    pub non_zero_memory: i64,
    /// The QoS class.
    pub qos: QosClass,
    /// Host ports the pod claims: (protocol, host IP or empty, port).
    pub host_ports: Vec<(Protocol, Symbol, i32)>,
}

impl PodSpec {
    /// Computes [`PodDerived`] (`resourcehelper.PodRequests` in
    /// `k8s.io/component-helpers/resource/helpers.go`): app containers and
    /// sidecars add up; each regular init container needs its own request
    /// plus the sidecars started before it; the pod needs the max of the two;
    /// overhead is added last.
    pub fn derive(&self) -> PodDerived {
        let requests = effective(self, |c| c.resources.requests.clone());
        let limits = effective(self, |c| c.resources.limits.clone());
        let non_zero = effective(self, |c| {
            let r = &c.resources.requests;
            ResourceList::cpu_memory(
                r.get(Symbol::CPU).unwrap_or(DEFAULT_MILLI_CPU_REQUEST),
                r.get(Symbol::MEMORY).unwrap_or(DEFAULT_MEMORY_REQUEST),
            )
        });
        let mut host_ports = Vec::new();
        for c in self.init_containers.iter().chain(&self.containers) {
            for p in &c.ports {
                if let Some(hp) = p.host_port.filter(|hp| *hp > 0) {
                    host_ports.push((p.protocol, p.host_ip.unwrap_or(Symbol::EMPTY), hp));
                }
            }
        }
        PodDerived {
            computed: true,
            validated: false,
            requests,
            limits,
            non_zero_milli_cpu: non_zero.cpu(),
            non_zero_memory: non_zero.memory(),
            qos: qos_class(self),
            host_ports,
        }
    }

    /// The container named `name` (app or init).
    pub fn container(&self, name: Symbol) -> Option<&Container> {
        self.containers
            .iter()
            .chain(&self.init_containers)
            .find(|c| c.name == name)
    }
}

impl PartialEq for PodDerived {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for PodDerived {}

impl Clone for PodDerived {
    fn clone(&self) -> Self {
        PodDerived::default()
    }
}

fn effective(spec: &PodSpec, per_container: impl Fn(&Container) -> ResourceList) -> ResourceList {
    let mut total = ResourceList::new();
    for c in &spec.containers {
        total.add(&per_container(c));
    }
    let mut sidecars = ResourceList::new();
    let mut init_max = ResourceList::new();
    for c in &spec.init_containers {
        let own = per_container(c);
        let need = if c.is_sidecar() {
            total.add(&own);
            sidecars.add(&own);
            sidecars.clone()
        } else {
            let mut need = own;
            need.add(&sidecars);
            need
        };
        init_max.max_with(&need);
    }
    total.max_with(&init_max);
    total.add(&spec.overhead);
    total
}

/// A pod's QoS class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QosClass {
    /// Every container has equal CPU and memory requests and limits.
    Guaranteed,
    /// Something in between.
    Burstable,
    /// No CPU or memory requests or limits anywhere.
    #[default]
    BestEffort,
}

impl QosClass {
    /// The class name.
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }
}

/// The QoS class (`pkg/apis/core/v1/helper/qos/qos.go` `GetPodQOS`): only
/// CPU and memory count, across app and init containers, ignoring zeros.
pub fn qos_class(spec: &PodSpec) -> QosClass {
    let tracked = [Symbol::CPU, Symbol::MEMORY];
    let mut requests = ResourceList::new();
    let mut limits = ResourceList::new();
    let mut guaranteed = true;
    for c in spec.containers.iter().chain(&spec.init_containers) {
        for (name, v) in c.resources.requests.iter() {
            if tracked.contains(&name) && v != 0 {
                requests.add(&single(name, v));
            }
        }
        let mut has_both_limits = 0;
        for (name, v) in c.resources.limits.iter() {
            if tracked.contains(&name) && v != 0 {
                has_both_limits += 1;
                limits.add(&single(name, v));
            }
        }
        if has_both_limits != tracked.len() {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return QosClass::BestEffort;
    }
    if guaranteed
        && tracked
            .iter()
            .all(|r| requests.get(*r).is_none_or(|req| Some(req) == limits.get(*r)))
    {
        return QosClass::Guaranteed;
    }
    QosClass::Burstable
}

fn single(name: Symbol, v: i64) -> ResourceList {
    let mut r = ResourceList::new();
    r.set(name, v);
    r
}

/// A pod's phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PodPhase {
    /// Accepted, not all containers running yet.
    #[default]
    Pending,
    /// Bound and at least one container running.
    Running,
    /// All containers exited successfully and will not restart.
    Succeeded,
    /// All containers exited, at least one in failure.
    Failed,
    /// The node stopped reporting.
    Unknown,
}

/// One pod condition's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodCondition {
    /// True, False or Unknown.
    pub status: ConditionStatus,
    /// When it last changed.
    pub last_transition_time: Time,
}

impl PodCondition {
    /// A condition that became `status` at `at`.
    pub fn new(status: bool, at: Time) -> PodCondition {
        PodCondition {
            status: ConditionStatus::from_bool(status),
            last_transition_time: at,
        }
    }
}

/// The four standard pod conditions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodConditions {
    /// `PodScheduled` (False with reason `Unschedulable` for a pending pod).
    pub pod_scheduled: Option<PodCondition>,
    /// `Initialized`: init containers done.
    pub initialized: Option<PodCondition>,
    /// `ContainersReady`.
    pub containers_ready: Option<PodCondition>,
    /// `Ready`: the pod serves traffic (Services, availability).
    pub ready: Option<PodCondition>,
}

/// Why containers are waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WaitingReason {
    /// Pulling images and starting.
    ContainerCreating,
    /// Waiting out the restart back-off.
    CrashLoopBackOff,
    /// A referenced ConfigMap or Secret (or key) is missing.
    CreateContainerConfigError,
    /// Init containers are running.
    PodInitializing,
}

/// The state of the pod's containers. The kubelet model moves a pod's
/// containers together, so one state describes them all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContainerState {
    /// Not created (unscheduled pods).
    #[default]
    None,
    /// Waiting, with a reason.
    Waiting(WaitingReason),
    /// Running since a time.
    Running {
        /// When the containers started.
        started_at: Time,
    },
    /// Exited.
    Terminated {
        /// The exit code (0 is success).
        exit_code: i32,
        /// When.
        finished_at: Time,
    },
}

/// The observed state of a pod.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodStatus {
    /// The phase.
    pub phase: PodPhase,
    /// Conditions.
    pub conditions: PodConditions,
    /// The containers' state.
    pub container_state: ContainerState,
    /// Restarts of the pod's containers (the highest of any container).
    pub restart_count: u32,
    /// The pod IP, once running.
    pub pod_ip: Option<Ipv4Addr>,
    /// When the kubelet accepted the pod.
    pub start_time: Option<Time>,
    /// A reason for the phase (`Evicted`, `DeadlineExceeded`, ...), or the
    /// PodScheduled reason (`Unschedulable`) while pending.
    pub reason: Option<Symbol>,
    /// A human-readable message (the scheduler's verdict for a pending pod).
    pub message: Option<Arc<str>>,
    /// The node a preemption was done for.
    pub nominated_node_name: Option<Symbol>,
}

/// A pod template (`spec.template` of workloads).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodTemplateSpec {
    /// Labels and annotations for the pods.
    #[serde(default)]
    pub metadata: TemplateMeta,
    /// The pod spec the pods share.
    #[serde(default)]
    pub spec: Arc<PodSpec>,
}

/// The metadata part of a template.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateMeta {
    /// Labels for the pods.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// Annotations for the pods.
    #[serde(default, skip_serializing_if = "super::meta::Annotations::is_empty")]
    pub annotations: super::meta::Annotations,
}

/// Resolves a Service's `targetPort` for one pod: a number stays, a name is
/// looked up among the pod's container ports (`podutil.FindPort`).
pub fn find_port(spec: &PodSpec, target: &IntOrString, protocol: Protocol) -> Option<i32> {
    match target {
        IntOrString::Int(p) => Some(*p),
        IntOrString::String(name) => spec
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .find(|p| p.name == Some(*name) && p.protocol == protocol)
            .map(|p| p.container_port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(cpu: Option<&str>, mem: Option<&str>) -> Container {
        let mut c = Container {
            name: Symbol::intern("c"),
            ..Container::default()
        };
        let pairs: Vec<(&str, &str)> = [("cpu", cpu), ("memory", mem)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        c.resources.requests = ResourceList::parse(pairs).unwrap();
        c
    }

    #[test]
    fn requests_follow_the_init_container_max_rule() {
        let spec = PodSpec {
            containers: vec![
                container(Some("100m"), Some("1Gi")),
                container(Some("200m"), None),
            ],
            init_containers: vec![container(Some("500m"), Some("100Mi"))],
            overhead: ResourceList::cpu_memory(10, 0),
            ..PodSpec::default()
        };
        let d = spec.derive();
        assert_eq!(d.requests.cpu(), 510); // max(300, 500) + 10
        assert_eq!(d.requests.memory(), 1 << 30);
        assert_eq!(d.non_zero_milli_cpu, 510);
        assert_eq!(d.non_zero_memory, (1 << 30) + DEFAULT_MEMORY_REQUEST); // second container counts 200Mi
    }

    #[test]
    fn sidecars_add_to_the_app_containers() {
        let mut sidecar = container(Some("50m"), None);
        sidecar.restart_policy = Some(RestartPolicy::Always);
        let spec = PodSpec {
            containers: vec![container(Some("100m"), None)],
            init_containers: vec![sidecar, container(Some("120m"), None)],
            ..PodSpec::default()
        };
        // app 100 + sidecar 50 = 150; the later init container needs 120 + 50 = 170.
        assert_eq!(spec.derive().requests.cpu(), 170);
    }
}
