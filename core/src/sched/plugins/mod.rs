//! The built-in plugins of kube-scheduler's default profile (ImageLocality left out: kubesim
//! does not model node images, so it would score every node 0).

pub mod basic;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_resources;
pub mod pair_counts;
pub mod topology_spread;

pub use basic::{NodeName, NodePorts, NodeUnschedulable, TaintToleration};
pub use inter_pod_affinity::InterPodAffinity;
pub use node_affinity::NodeAffinity;
pub use node_resources::{BalancedAllocation, NodeResourcesFit, Strategy};
pub use topology_spread::PodTopologySpread;
