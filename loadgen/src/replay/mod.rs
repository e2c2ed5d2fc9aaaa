//! Trace replay: a cluster and a pod trace in the Alibaba
//! `cluster-trace-gpu-v2023` ("openb") CSV format. Nodes become Nodes with
//! `nvidia.com/gpu` and a GPU-model label; pods arrive and leave at their
//! trace times (seconds in the trace, milliseconds here).
//!
//! Node list columns: `sn, cpu_milli, memory_mib, gpu, model`.
//! Pod list columns: `name, cpu_milli, memory_mib, num_gpu, gpu_milli,
//! gpu_spec, qos, pod_phase, creation_time, deletion_time, scheduled_time`
//! (only the first ones and the two times are used; `gpu_spec` lists the
//! acceptable GPU models separated by `|`, empty for any).

pub mod csv;

use std::sync::Arc;

use kubesim::Symbol;
use kubesim::api::pod::RestartPolicy;
use kubesim::api::scheduling::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
};
use kubesim::api::{Node, Pod, ResourceList};
use kubesim::build;

use crate::error::Located;

/// The node label that names a node's GPU model (NVIDIA GPU feature discovery's).
pub const GPU_MODEL_LABEL: &str = "nvidia.com/gpu.product";
/// The extended resource of `gpu: milli` replays: thousandths of a GPU.
pub const GPU_MILLI: &str = "kubesim.io/gpu-milli";

/// One node of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceNode {
    /// Its name (`sn`).
    pub name: String,
    /// CPU in milli-cores.
    pub cpu_milli: i64,
    /// Memory in MiB.
    pub memory_mib: i64,
    /// GPUs.
    pub gpu: i64,
    /// GPU model (empty for CPU nodes).
    pub model: String,
}

/// One pod of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracePod {
    /// Its name.
    pub name: String,
    /// CPU request in milli-cores.
    pub cpu_milli: i64,
    /// Memory request in MiB.
    pub memory_mib: i64,
    /// GPUs requested.
    pub num_gpu: i64,
    /// Thousandths of each GPU used (1000 for whole GPUs).
    pub gpu_milli: i64,
    /// Acceptable GPU models (empty: any).
    pub gpu_spec: Vec<String>,
    /// When it is created, in simulated milliseconds.
    pub created_ms: i64,
    /// When it is deleted, if it is.
    pub deleted_ms: Option<i64>,
}

/// A parsed trace.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// The nodes.
    pub nodes: Vec<TraceNode>,
    /// The pods, in creation order.
    pub pods: Vec<TracePod>,
}

/// How GPU requests are modelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpuMode {
    /// `nvidia.com/gpu`: a pod sharing a GPU still takes a whole one.
    Whole,
    /// `kubesim.io/gpu-milli`: thousandths of a GPU, shared freely.
    Milli,
}

/// Parses an openb node list and pod list; `max_pods` keeps the first pods.
pub fn parse_openb(nodes: (&str, &str), pods: (&str, &str), max_pods: Option<u32>) -> Result<Trace, Located> {
    let mut trace = Trace::default();
    let (ntext, nsource) = nodes;
    csv::read(
        ntext,
        nsource,
        &["sn", "cpu_milli", "memory_mib", "gpu", "model"],
        |r| {
            trace.nodes.push(TraceNode {
                name: r.text("sn")?.to_owned(),
                cpu_milli: r.int("cpu_milli", None)?,
                memory_mib: r.int("memory_mib", None)?,
                gpu: r.int("gpu", Some(0))?,
                model: r.text("model")?.to_owned(),
            });
            Ok(())
        },
    )?;
    let (ptext, psource) = pods;
    let cols = [
        "name",
        "cpu_milli",
        "memory_mib",
        "num_gpu",
        "gpu_milli",
        "gpu_spec",
        "creation_time",
        "deletion_time",
    ];
    csv::read(ptext, psource, &cols, |r| {
        let created = r.int("creation_time", None)?;
        let deleted = r.int("deletion_time", Some(-1)).ok().filter(|d| *d > created);
        trace.pods.push(TracePod {
            name: r.text("name")?.to_owned(),
            cpu_milli: r.int("cpu_milli", Some(0))?,
            memory_mib: r.int("memory_mib", Some(0))?,
            num_gpu: r.int("num_gpu", Some(0))?,
            gpu_milli: r.int("gpu_milli", Some(0))?,
            gpu_spec: r
                .text("gpu_spec")?
                .split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            created_ms: created.saturating_mul(1000),
            deleted_ms: deleted.map(|d| d.saturating_mul(1000)),
        });
        Ok(())
    })?;
    // Creation order; ties keep file order.
    trace.pods.sort_by_key(|p| p.created_ms);
    if let Some(max) = max_pods {
        trace.pods.truncate(max as usize);
    }
    Ok(trace)
}

impl TraceNode {
    /// The Node.
    pub fn to_node(&self, gpu: GpuMode) -> Node {
        let mut b = build::node(&self.name, "0", "0").label("kubernetes.io/hostname", &self.name);
        if !self.model.is_empty() {
            b = b.label(GPU_MODEL_LABEL, &self.model);
        }
        let mut node = b.build();
        let mut r = ResourceList::cpu_memory(self.cpu_milli, self.memory_mib.saturating_mul(1 << 20));
        r.set(Symbol::PODS, kubesim::api::node::DEFAULT_MAX_PODS);
        if self.gpu > 0 {
            match gpu {
                GpuMode::Whole => r.set(Symbol::NVIDIA_GPU, self.gpu),
                GpuMode::Milli => r.set(Symbol::intern(GPU_MILLI), self.gpu.saturating_mul(1000)),
            }
        }
        node.status.capacity = r.clone();
        node.status.allocatable = r;
        node
    }
}

impl TracePod {
    /// The Pod, in `namespace`.
    pub fn to_pod(&self, namespace: &str, gpu: GpuMode) -> Pod {
        let mut pod = build::pod(&self.name)
            .namespace(namespace)
            .labels(&[("app", "openb")])
            .image(crate::scenario::generate::DEFAULT_IMAGE)
            .restart_policy(RestartPolicy::Always)
            .build();
        let spec = Arc::make_mut(&mut pod.spec);
        let mut requests = ResourceList::cpu_memory(self.cpu_milli, self.memory_mib.saturating_mul(1 << 20));
        let mut limits = ResourceList::new();
        if self.num_gpu > 0 {
            let (name, amount) = match gpu {
                GpuMode::Whole => (Symbol::NVIDIA_GPU, self.num_gpu),
                GpuMode::Milli => (
                    Symbol::intern(GPU_MILLI),
                    self.num_gpu.saturating_mul(self.gpu_milli.clamp(1, 1000)),
                ),
            };
            requests.set(name, amount);
            limits.set(name, amount);
        }
        if let Some(c) = spec.containers.first_mut() {
            c.resources.requests = requests;
            c.resources.limits = limits;
        }
        match self.gpu_spec.as_slice() {
            [] => {}
            [one] => spec.node_selector = [(GPU_MODEL_LABEL, one.as_str())].into_iter().collect(),
            many => {
                spec.affinity = Some(Affinity {
                    node_affinity: Some(NodeAffinity {
                        required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                            node_selector_terms: vec![NodeSelectorTerm {
                                match_expressions: vec![NodeSelectorRequirement {
                                    key: Symbol::intern(GPU_MODEL_LABEL),
                                    operator: NodeSelectorOperator::In,
                                    values: many.iter().map(|m| Symbol::intern(m)).collect(),
                                }],
                                match_fields: Vec::new(),
                            }],
                        }),
                        preferred_during_scheduling_ignored_during_execution: Vec::new(),
                    }),
                    ..Affinity::default()
                });
            }
        }
        pod
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = "sn,cpu_milli,memory_mib,gpu,model\nn0,32000,262144,0,\nn1,96000,786432,8,V100M32\n";
    const PODS: &str = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n\
        p1,6000,12288,1,460,V100M16|V100M32,LS,Running,20,100,20\n\
        p0,12000,16384,1,1000,,LS,Running,0,,0\n";

    #[test]
    fn openb_rows_become_nodes_and_pods() {
        let t = parse_openb((NODES, "n.csv"), (PODS, "p.csv"), None).unwrap();
        assert_eq!(t.nodes.len(), 2);
        assert_eq!(t.pods[0].name, "p0");
        assert_eq!(t.pods[0].deleted_ms, None);
        assert_eq!(
            (t.pods[1].created_ms, t.pods[1].deleted_ms),
            (20_000, Some(100_000))
        );
        let n = t.nodes[1].to_node(GpuMode::Whole);
        assert_eq!(n.status.allocatable.get_or_zero(Symbol::NVIDIA_GPU), 8);
        assert_eq!(n.metadata.labels.get_str(GPU_MODEL_LABEL), Some("V100M32"));
        let p = t.pods[1].to_pod("replay", GpuMode::Milli);
        assert_eq!(
            p.spec.containers[0]
                .resources
                .requests
                .get_or_zero(Symbol::intern(GPU_MILLI)),
            460
        );
        assert!(p.spec.affinity.is_some());
    }

    #[test]
    fn bad_rows_are_located() {
        let bad = "sn,cpu_milli,memory_mib,gpu,model\nn0,lots,1,0,\n";
        let e = parse_openb((bad, "n.csv"), (PODS, "p.csv"), None).unwrap_err();
        assert_eq!((e.source.as_str(), e.line, e.column), ("n.csv", 2, 4), "{e}");
    }
}
