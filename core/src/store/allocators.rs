//! ClusterIP and NodePort allocation (interim: being completed).

/// The allocators' state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allocators {}
