//! The scenario file as written (YAML or JSON): the serde structs behind
//! `docs/scenario-format.md`. Every struct refuses unknown fields, so a typo
//! is an error at its line rather than a silently ignored setting.

use std::collections::BTreeMap;
use std::fmt;

use kubesim::sim::{ControllerDelays, KubeletModel, Millis, NodeLifecycle};
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use serde::{Deserialize, Serialize};

use super::steps::Step;
use super::values::{Fraction, IntDist, Paths, Qty, QtyDist, TaintSpec};

/// A whole scenario file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioFile {
    /// A short name (defaults to the file name).
    #[serde(default)]
    pub name: Option<String>,
    /// One line on what the scenario shows.
    #[serde(default)]
    pub description: Option<String>,
    /// The seed used when `--seed` is not given.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Node pools created at time 0.
    #[serde(default)]
    pub nodes: Vec<NodePool>,
    /// Workloads created at time 0, after the nodes.
    #[serde(default)]
    pub workloads: Vec<Workload>,
    /// Steps after that, in order.
    #[serde(default)]
    pub timeline: Vec<Step>,
    /// The kubelet model (core's `KubeletModel`).
    #[serde(default)]
    pub kubelet: KubeletModel,
    /// Controller reaction delays (core's `ControllerDelays`).
    #[serde(default)]
    pub controllers: ControllerDelays,
    /// Node failure detection (core's `NodeLifecycle`).
    #[serde(default)]
    pub node_lifecycle: NodeLifecycle,
    /// The scheduler's configuration.
    #[serde(default)]
    pub scheduler: SchedulerSection,
    /// A trace to replay.
    #[serde(default)]
    pub replay: Option<ReplaySection>,
    /// When the run ends.
    #[serde(default)]
    pub run: RunSection,
    /// Defaults for `loadgen plan`.
    #[serde(default)]
    pub plan: Option<PlanSection>,
}

/// A pool of identical nodes.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodePool {
    /// The pool name; its nodes are `<name>-<i>` (default `node`).
    #[serde(default)]
    pub name: Option<String>,
    /// How many nodes.
    pub count: u32,
    /// Each node's capacity.
    pub shape: Shape,
    /// Labels on every node.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Taints on every node.
    #[serde(default)]
    pub taints: Vec<TaintSpec>,
    /// Zones to spread the nodes over, round-robin
    /// (`topology.kubernetes.io/zone`).
    #[serde(default)]
    pub zones: Vec<String>,
    /// Create the nodes cordoned.
    #[serde(default)]
    pub unschedulable: bool,
}

/// A node's capacity: a map, or the short form `"8cpu/32Gi[/pods=110][/gpu=4]"`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    /// CPU.
    pub cpu: Qty,
    /// Memory.
    pub memory: Qty,
    /// Most pods (default 110).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pods: Option<u32>,
    /// Extended resources such as `nvidia.com/gpu: 4`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extended: BTreeMap<String, Qty>,
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            cpu: Qty,
            memory: Qty,
            #[serde(default)]
            pods: Option<u32>,
            #[serde(default)]
            extended: BTreeMap<String, Qty>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a node shape: {cpu, memory, pods?, extended?} or \"8cpu/32Gi\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Shape, E> {
                super::nodespec::parse_shape(v).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Shape, A::Error> {
                let f = Fields::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Shape {
                    cpu: f.cpu,
                    memory: f.memory,
                    pods: f.pods,
                    extended: f.extended,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Something to create: manifests, inline objects or a generator.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Workload {
    /// Kubernetes manifest files or folders, relative to the scenario file.
    Manifests(Paths),
    /// Kubernetes objects written in place (one object or a list).
    Inline(serde_json::Value),
    /// N Deployments.
    Deployments(DeploymentGen),
    /// N bare pods (scheduler_perf's `createPods`).
    Pods(PodGen),
    /// N Jobs.
    Jobs(JobGen),
    /// N DaemonSets.
    DaemonSets(DaemonSetGen),
    /// N StatefulSets.
    StatefulSets(StatefulSetGen),
}

/// What every generated pod template has.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateGen {
    /// CPU request per container.
    #[serde(default)]
    pub cpu: Option<QtyDist>,
    /// Memory request per container.
    #[serde(default)]
    pub memory: Option<QtyDist>,
    /// Extended resource requests (and limits), such as `nvidia.com/gpu: 1`.
    #[serde(default)]
    pub extended: BTreeMap<String, IntDist>,
    /// Extra labels (each object also gets `app: <its name>`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// A nodeSelector.
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    /// Tolerate these taints (`key` or `key=value`, any effect).
    #[serde(default)]
    pub tolerations: Vec<String>,
    /// The image (default `registry.k8s.io/pause:3.10`).
    #[serde(default)]
    pub image: Option<String>,
    /// The priority class name.
    #[serde(default)]
    pub priority_class_name: Option<String>,
}

/// N Deployments with replica and request distributions.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentGen {
    /// How many Deployments.
    pub count: u32,
    /// Names are `<prefix>-<i>` (default `app`).
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// The namespace (created if missing; default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Replicas of each.
    pub replicas: IntDist,
    /// RollingUpdate maxSurge (default 25%).
    #[serde(default)]
    pub max_surge: Option<String>,
    /// RollingUpdate maxUnavailable (default 25%).
    #[serde(default)]
    pub max_unavailable: Option<String>,
    /// minReadySeconds.
    #[serde(default)]
    pub min_ready_seconds: Option<i32>,
    /// The pod template.
    #[serde(default)]
    pub template: TemplateGen,
}

/// N bare pods.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodGen {
    /// How many pods.
    pub count: u32,
    /// Names are `<prefix>-<i>` (default `pod`).
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// The namespace (created if missing; default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Measure scheduling throughput over these pods, as scheduler_perf's
    /// `collectMetrics` (see `scheduler.pods_per_second` in the report).
    #[serde(default)]
    pub collect_metrics: bool,
    /// The pod template.
    #[serde(default)]
    pub template: TemplateGen,
}

/// N Jobs with parallelism and completion distributions.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobGen {
    /// How many Jobs.
    pub count: u32,
    /// Names are `<prefix>-<i>` (default `job`).
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// The namespace (created if missing; default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// `spec.parallelism` of each (default: Kubernetes' 1).
    #[serde(default)]
    pub parallelism: Option<IntDist>,
    /// `spec.completions` of each (default: Kubernetes' default, 1 when
    /// parallelism is unset too).
    #[serde(default)]
    pub completions: Option<IntDist>,
    /// `spec.backoffLimit` (default 6).
    #[serde(default)]
    pub backoff_limit: Option<i32>,
    /// `spec.completionMode`: `NonIndexed` (default) or `Indexed`.
    #[serde(default)]
    pub completion_mode: Option<String>,
    /// `spec.ttlSecondsAfterFinished`.
    #[serde(default)]
    pub ttl_seconds_after_finished: Option<i32>,
    /// The pods' `restartPolicy`: `Never` (default, as `kubectl create job`) or `OnFailure`.
    #[serde(default)]
    pub restart_policy: Option<String>,
    /// The pod template.
    #[serde(default)]
    pub template: TemplateGen,
}

/// N DaemonSets.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DaemonSetGen {
    /// How many DaemonSets.
    pub count: u32,
    /// Names are `<prefix>-<i>` (default `daemon`).
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// The namespace (created if missing; default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// RollingUpdate maxUnavailable (default 1).
    #[serde(default)]
    pub max_unavailable: Option<String>,
    /// minReadySeconds.
    #[serde(default)]
    pub min_ready_seconds: Option<i32>,
    /// The pod template.
    #[serde(default)]
    pub template: TemplateGen,
}

/// N StatefulSets with a replica distribution.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatefulSetGen {
    /// How many StatefulSets.
    pub count: u32,
    /// Names are `<prefix>-<i>` (default `db`).
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// The namespace (created if missing; default `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Replicas of each.
    pub replicas: IntDist,
    /// `OrderedReady` (Kubernetes' default: one pod at a time) or `Parallel`.
    #[serde(default)]
    pub pod_management_policy: Option<String>,
    /// minReadySeconds.
    #[serde(default)]
    pub min_ready_seconds: Option<i32>,
    /// The pod template.
    #[serde(default)]
    pub template: TemplateGen,
}

/// The scheduler's configuration.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchedulerSection {
    /// Worker threads for filtering and scoring (0: as many as `--threads`).
    #[serde(default)]
    pub parallelism: Option<usize>,
    /// kube-scheduler's `percentageOfNodesToScore` (0 or absent: adaptive;
    /// 100: every feasible node).
    #[serde(default)]
    pub percentage_of_nodes_to_score: Option<u32>,
    /// The scheduling profile: `default` (LeastAllocated) or `most-allocated`
    /// (MostAllocated, bin packing); see [`super::sched::PROFILES`].
    #[serde(default)]
    pub profile: Option<String>,
    /// Whether DefaultPreemption runs (default true).
    #[serde(default)]
    pub preemption: Option<bool>,
}

/// A trace to replay.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplaySection {
    /// The trace format: `openb` (Alibaba cluster-trace-gpu-v2023).
    pub format: String,
    /// The node list CSV, relative to the scenario file.
    pub nodes: String,
    /// The pod list CSV, relative to the scenario file.
    pub pods: String,
    /// The namespace replayed pods go in (default `replay`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// GPU requests: `whole` (`nvidia.com/gpu`, a shared GPU counts as one)
    /// or `milli` (`kubesim.io/gpu-milli`, thousandths of a GPU).
    #[serde(default)]
    pub gpu: Option<String>,
    /// Replay at most this many pods (in creation order).
    #[serde(default)]
    pub max_pods: Option<u32>,
}

/// When the run ends.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunSection {
    /// Stop at this simulated time; default: when the cluster has converged
    /// after the last step.
    #[serde(default)]
    pub until: Option<Millis>,
    /// Give up waiting for convergence after this much simulated time past
    /// the last step (default 24h).
    #[serde(default)]
    pub limit: Option<Millis>,
}

/// Defaults for `loadgen plan`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanSection {
    /// The node shape to count.
    #[serde(default)]
    pub node_shape: Option<Shape>,
    /// Zones to spread the nodes over.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Labels on every planned node.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Capacity to keep free on every node, such as `20%`.
    #[serde(default)]
    pub headroom: Option<Fraction>,
    /// `zone` or `N-nodes`.
    #[serde(default)]
    pub survive: Option<String>,
    /// Give up above this many nodes (default 20,000).
    #[serde(default)]
    pub max_nodes: Option<u32>,
}
