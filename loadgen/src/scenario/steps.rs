//! Timeline steps: one operation each (`createNodes`, `createPods`,
//! `apply`, `scale`, `rollout`, `failZone`, `drain`, `churn`, `barrier`, ...)
//! at an absolute simulated time (`at`) or a delay after the previous step
//! (`after`), in the spirit of scheduler_perf's workload templates.

use std::fmt;

use kubesim::sim::Millis;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::format::{DeploymentGen, NodePool, PodGen, Workload};
use super::values::Qty;

/// Every operation name, for errors and docs.
pub const OPS: &[&str] = &[
    "createNodes",
    "createPods",
    "createDeployments",
    "apply",
    "scale",
    "rollout",
    "failNodes",
    "recoverNodes",
    "failZone",
    "recoverZone",
    "cordon",
    "uncordon",
    "drain",
    "deletePods",
    "churn",
    "barrier",
    "sleep",
];

/// One timeline step.
#[derive(Clone, Debug)]
pub struct Step {
    /// Absolute simulated time.
    pub at: Option<Millis>,
    /// Delay after the previous step.
    pub after: Option<Millis>,
    /// The operation.
    pub op: Op,
}

/// What a step does.
#[derive(Clone, Debug)]
pub enum Op {
    /// Adds a node pool.
    CreateNodes(NodePool),
    /// Creates bare pods.
    CreatePods(PodGen),
    /// Creates Deployments.
    CreateDeployments(DeploymentGen),
    /// Creates or updates objects (manifests, inline objects, generators).
    Apply(Workload),
    /// Sets the replicas of matching Deployments.
    Scale(ScaleOp),
    /// Rolls out a new template to every matching Deployment.
    Rollout(RolloutOp),
    /// Fails nodes: their kubelets stop.
    FailNodes(NodeTarget),
    /// Recovers failed nodes.
    RecoverNodes(NodeTarget),
    /// Fails every node of a zone.
    FailZone(String),
    /// Recovers every node of a zone.
    RecoverZone(String),
    /// Marks nodes unschedulable.
    Cordon(NodeTarget),
    /// Marks nodes schedulable.
    Uncordon(NodeTarget),
    /// Cordons nodes and deletes their pods.
    Drain(NodeTarget),
    /// Deletes pods.
    DeletePods(PodTarget),
    /// Deletes pods at intervals, in the background.
    Churn(ChurnOp),
    /// Waits until the cluster converges.
    Barrier(BarrierOp),
    /// Waits a while.
    Sleep(Millis),
}

impl Op {
    /// The operation's name as written.
    pub fn name(&self) -> &'static str {
        match self {
            Op::CreateNodes(_) => "createNodes",
            Op::CreatePods(_) => "createPods",
            Op::CreateDeployments(_) => "createDeployments",
            Op::Apply(_) => "apply",
            Op::Scale(_) => "scale",
            Op::Rollout(_) => "rollout",
            Op::FailNodes(_) => "failNodes",
            Op::RecoverNodes(_) => "recoverNodes",
            Op::FailZone(_) => "failZone",
            Op::RecoverZone(_) => "recoverZone",
            Op::Cordon(_) => "cordon",
            Op::Uncordon(_) => "uncordon",
            Op::Drain(_) => "drain",
            Op::DeletePods(_) => "deletePods",
            Op::Churn(_) => "churn",
            Op::Barrier(_) => "barrier",
            Op::Sleep(_) => "sleep",
        }
    }
}

/// Which Deployments to scale, and to what.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScaleOp {
    /// A label selector (`tier=web,env!=dev`).
    #[serde(default)]
    pub selector: Option<String>,
    /// One Deployment by name.
    #[serde(default)]
    pub name: Option<String>,
    /// Only this namespace (default: all).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The new replica count.
    #[serde(default)]
    pub replicas: Option<i32>,
    /// Or: multiply the current count (rounded).
    #[serde(default)]
    pub factor: Option<f64>,
}

/// Which Deployments to roll out, and what changes in their template.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolloutOp {
    /// A label selector (default: every Deployment).
    #[serde(default)]
    pub selector: Option<String>,
    /// Only this namespace (default: all).
    #[serde(default)]
    pub namespace: Option<String>,
    /// A new image for the first container.
    #[serde(default)]
    pub image: Option<String>,
    /// A new CPU request for the first container.
    #[serde(default)]
    pub cpu: Option<Qty>,
    /// A new memory request for the first container.
    #[serde(default)]
    pub memory: Option<Qty>,
}

/// Which nodes an operation acts on (all given criteria apply).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeTarget {
    /// These nodes.
    #[serde(default)]
    pub names: Vec<String>,
    /// Nodes whose labels match.
    #[serde(default)]
    pub selector: Option<String>,
    /// This many of them, chosen at random (seeded).
    #[serde(default)]
    pub count: Option<u32>,
}

/// Which pods an operation deletes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodTarget {
    /// Pods whose labels match.
    #[serde(default)]
    pub selector: Option<String>,
    /// Only this namespace (default: all).
    #[serde(default)]
    pub namespace: Option<String>,
    /// This many of them, chosen at random (seeded; default: all).
    #[serde(default)]
    pub count: Option<u32>,
}

/// Background pod deletion (scheduler_perf's `churn`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChurnOp {
    /// Pods whose labels match.
    #[serde(default)]
    pub selector: Option<String>,
    /// Only this namespace (default: all).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Pods deleted at each tick.
    pub count: u32,
    /// Time between ticks.
    pub every: Millis,
    /// How long the churn goes on.
    #[serde(rename = "for")]
    pub duration: Millis,
}

/// Waits until nothing is pending (or the timeout passes).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BarrierOp {
    /// Give up after this long (default: the run's limit).
    #[serde(default)]
    pub timeout: Option<Millis>,
}

fn read_op<'de, A: MapAccess<'de>>(name: &str, map: &mut A) -> Result<Op, A::Error> {
    Ok(match name {
        "createNodes" => Op::CreateNodes(map.next_value()?),
        "createPods" => Op::CreatePods(map.next_value()?),
        "createDeployments" => Op::CreateDeployments(map.next_value()?),
        "apply" => Op::Apply(map.next_value()?),
        "scale" => Op::Scale(map.next_value()?),
        "rollout" => Op::Rollout(map.next_value::<Option<RolloutOp>>()?.unwrap_or_default()),
        "failNodes" => Op::FailNodes(map.next_value()?),
        "recoverNodes" => Op::RecoverNodes(map.next_value()?),
        "failZone" => Op::FailZone(map.next_value()?),
        "recoverZone" => Op::RecoverZone(map.next_value()?),
        "cordon" => Op::Cordon(map.next_value()?),
        "uncordon" => Op::Uncordon(map.next_value()?),
        "drain" => Op::Drain(map.next_value()?),
        "deletePods" => Op::DeletePods(map.next_value()?),
        "churn" => Op::Churn(map.next_value()?),
        "barrier" => Op::Barrier(map.next_value::<Option<BarrierOp>>()?.unwrap_or_default()),
        "sleep" => Op::Sleep(map.next_value()?),
        other => {
            return Err(de::Error::custom(format!(
                "unknown operation `{other}`, expected `at`, `after` or one of {}",
                OPS.join(", ")
            )));
        }
    })
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Step, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Step;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a step: a map with one operation and optionally `at` or `after`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
                let (mut at, mut after, mut op) = (None, None, None::<Op>);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "at" => at = Some(map.next_value()?),
                        "after" => after = Some(map.next_value()?),
                        name => {
                            if let Some(prev) = &op {
                                return Err(de::Error::custom(format!(
                                    "one operation per step: `{name}` follows `{}` (start a new step with `-`)",
                                    prev.name()
                                )));
                            }
                            op = Some(read_op(name, &mut map)?);
                        }
                    }
                }
                let Some(op) = op else {
                    return Err(de::Error::custom(format!(
                        "a step needs an operation, one of {}",
                        OPS.join(", ")
                    )));
                };
                if at.is_some() && after.is_some() {
                    return Err(de::Error::custom("give `at` or `after`, not both"));
                }
                Ok(Step { at, after, op })
            }
        }
        d.deserialize_map(V)
    }
}
