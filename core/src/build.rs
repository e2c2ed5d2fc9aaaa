//! Builders for the objects tests, benches, fuzz targets and generators
//! create most: nodes, pods, ReplicaSets and Deployments, in a few lines.
//!
//! ```
//! use kubesim::build;
//! let node = build::node("n1", "4", "16Gi").label("topology.kubernetes.io/zone", "a").build();
//! let web = build::deployment("web", 4).labels(&[("app", "web")]).image("nginx").requests("100m", "128Mi").build();
//! assert_eq!(node.status.allocatable.cpu(), 4000);
//! assert_eq!(web.spec.replicas, 4);
//! ```

use std::sync::Arc;

use crate::api::meta::IntOrString;
use crate::api::pod::{Container, PodSpec, PodTemplateSpec, TemplateMeta};
use crate::api::scheduling::{Taint, TaintEffect};
use crate::api::workloads::{
    DeploymentSpec, DeploymentStrategyType, ReplicaSetSpec, RollingUpdateDeployment,
};
use crate::api::{Deployment, Node, ObjectMeta, Pod, PodSelector, ReplicaSet, ResourceList};
use crate::intern::Symbol;
use crate::labels::Labels;

fn quantity(name: &str, q: &str) -> i64 {
    ResourceList::parse([(name, q)])
        .map(|r| r.get_or_zero(Symbol::intern(name)))
        .unwrap_or_else(|e| panic!("builder quantity {e}"))
}

/// A node builder.
pub struct NodeBuilder(Node);

/// A node with `cpu` and `memory` capacity (quantities such as `"4"`,
/// `"16Gi"`); 110 pods.
pub fn node(name: &str, cpu: &str, memory: &str) -> NodeBuilder {
    let mut n = Node {
        metadata: ObjectMeta::named("", name),
        ..Node::default()
    };
    n.status.capacity = ResourceList::cpu_memory(quantity("cpu", cpu), quantity("memory", memory));
    n.status
        .capacity
        .set(Symbol::PODS, crate::api::node::DEFAULT_MAX_PODS);
    n.status.allocatable = n.status.capacity.clone();
    NodeBuilder(n)
}

impl NodeBuilder {
    /// Adds a label.
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.0.metadata.labels = self
            .0
            .metadata
            .labels
            .with(Symbol::intern(key), Symbol::intern(value));
        self
    }

    /// Sets an extended resource (such as `nvidia.com/gpu`) or the pod count.
    pub fn resource(mut self, name: &str, amount: i64) -> Self {
        self.0.status.capacity.set(Symbol::intern(name), amount);
        self.0.status.allocatable.set(Symbol::intern(name), amount);
        self
    }

    /// Adds a taint.
    pub fn taint(mut self, key: &str, value: &str, effect: TaintEffect) -> Self {
        self.0.spec.taints.push(Taint {
            key: Symbol::intern(key),
            value: Symbol::intern(value),
            effect,
            time_added: None,
        });
        self
    }

    /// Cordons the node.
    pub fn unschedulable(mut self) -> Self {
        self.0.spec.unschedulable = true;
        self
    }

    /// The node.
    pub fn build(self) -> Node {
        self.0
    }
}

/// A pod template builder shared by the workload builders.
#[derive(Clone)]
pub struct TemplateBuilder {
    labels: Labels,
    container: Container,
    spec: PodSpec,
}

impl Default for TemplateBuilder {
    fn default() -> Self {
        TemplateBuilder {
            labels: Labels::new(),
            container: Container {
                name: Symbol::intern("app"),
                image: Symbol::intern("nginx"),
                ..Container::default()
            },
            spec: PodSpec::default(),
        }
    }
}

impl TemplateBuilder {
    fn template(&self) -> PodTemplateSpec {
        let mut spec = self.spec.clone();
        spec.containers.insert(0, self.container.clone());
        PodTemplateSpec {
            metadata: TemplateMeta {
                labels: self.labels.clone(),
                ..TemplateMeta::default()
            },
            spec: Arc::new(spec),
        }
    }
}

macro_rules! template_methods {
    ($builder:ident) => {
        impl $builder {
            /// Sets the pod labels (and, for workloads, the matchLabels selector).
            pub fn labels(mut self, pairs: &[(&str, &str)]) -> Self {
                self.t.labels = pairs.iter().copied().collect();
                self
            }

            /// Sets the container image.
            pub fn image(mut self, image: &str) -> Self {
                self.t.container.image = Symbol::intern(image);
                self
            }

            /// Sets CPU and memory requests (`"100m"`, `"128Mi"`).
            pub fn requests(mut self, cpu: &str, memory: &str) -> Self {
                self.t.container.resources.requests =
                    ResourceList::cpu_memory(quantity("cpu", cpu), quantity("memory", memory));
                self
            }

            /// Sets an extended resource request and limit (`nvidia.com/gpu`).
            pub fn extended(mut self, name: &str, amount: i64) -> Self {
                self.t
                    .container
                    .resources
                    .requests
                    .set(Symbol::intern(name), amount);
                self.t
                    .container
                    .resources
                    .limits
                    .set(Symbol::intern(name), amount);
                self
            }

            /// Sets a nodeSelector.
            pub fn node_selector(mut self, pairs: &[(&str, &str)]) -> Self {
                self.t.spec.node_selector = pairs.iter().copied().collect();
                self
            }

            /// Sets the restart policy.
            pub fn restart_policy(mut self, policy: crate::api::pod::RestartPolicy) -> Self {
                self.t.spec.restart_policy = policy;
                self
            }

            /// Sets the priority class name.
            pub fn priority_class(mut self, name: &str) -> Self {
                self.t.spec.priority_class_name = Some(Symbol::intern(name));
                self
            }

            /// Edits the pod spec directly.
            pub fn spec(mut self, f: impl FnOnce(&mut PodSpec)) -> Self {
                f(&mut self.t.spec);
                self
            }

            /// Sets the namespace.
            pub fn namespace(mut self, ns: &str) -> Self {
                self.meta.namespace = Symbol::intern(ns);
                self
            }
        }
    };
}

/// A bare pod builder.
pub struct PodBuilder {
    meta: ObjectMeta,
    t: TemplateBuilder,
}

/// A bare pod (no controller) in `default`.
pub fn pod(name: &str) -> PodBuilder {
    PodBuilder {
        meta: ObjectMeta::named("default", name),
        t: TemplateBuilder::default(),
    }
}

template_methods!(PodBuilder);

impl PodBuilder {
    /// The pod.
    pub fn build(self) -> Pod {
        let template = self.t.template();
        let mut meta = self.meta;
        meta.labels = template.metadata.labels;
        Pod {
            metadata: meta,
            spec: template.spec,
            node_name: None,
            status: Default::default(),
        }
    }
}

/// A ReplicaSet builder.
pub struct ReplicaSetBuilder {
    meta: ObjectMeta,
    replicas: i32,
    t: TemplateBuilder,
}

/// A ReplicaSet of `replicas` in `default`.
pub fn replica_set(name: &str, replicas: i32) -> ReplicaSetBuilder {
    ReplicaSetBuilder {
        meta: ObjectMeta::named("default", name),
        replicas,
        t: TemplateBuilder::default(),
    }
}

template_methods!(ReplicaSetBuilder);

impl ReplicaSetBuilder {
    /// The ReplicaSet, selecting its template's labels.
    pub fn build(self) -> ReplicaSet {
        let template = self.t.template();
        ReplicaSet {
            metadata: self.meta,
            spec: ReplicaSetSpec {
                replicas: self.replicas,
                min_ready_seconds: 0,
                selector: PodSelector::match_labels(template.metadata.labels.clone()),
                template,
            },
            status: Default::default(),
        }
    }
}

/// A Deployment builder.
pub struct DeploymentBuilder {
    meta: ObjectMeta,
    spec: DeploymentSpec,
    t: TemplateBuilder,
}

/// A Deployment of `replicas` in `default` (RollingUpdate 25%/25%).
pub fn deployment(name: &str, replicas: i32) -> DeploymentBuilder {
    DeploymentBuilder {
        meta: ObjectMeta::named("default", name),
        spec: DeploymentSpec {
            replicas,
            ..DeploymentSpec::default()
        },
        t: TemplateBuilder::default(),
    }
}

template_methods!(DeploymentBuilder);

impl DeploymentBuilder {
    /// RollingUpdate with these maxSurge / maxUnavailable (`"25%"` or `"1"`).
    pub fn rolling(mut self, max_surge: &str, max_unavailable: &str) -> Self {
        let parse = |s: &str| match s.parse::<i32>() {
            Ok(n) => IntOrString::Int(n),
            Err(_) => IntOrString::String(Symbol::intern(s)),
        };
        self.spec.strategy.type_ = DeploymentStrategyType::RollingUpdate;
        self.spec.strategy.rolling_update = Some(RollingUpdateDeployment {
            max_surge: Some(parse(max_surge)),
            max_unavailable: Some(parse(max_unavailable)),
        });
        self
    }

    /// The Recreate strategy.
    pub fn recreate(mut self) -> Self {
        self.spec.strategy.type_ = DeploymentStrategyType::Recreate;
        self.spec.strategy.rolling_update = None;
        self
    }

    /// Sets minReadySeconds.
    pub fn min_ready_seconds(mut self, s: i32) -> Self {
        self.spec.min_ready_seconds = s;
        self
    }

    /// Sets progressDeadlineSeconds.
    pub fn progress_deadline_seconds(mut self, s: i32) -> Self {
        self.spec.progress_deadline_seconds = Some(s);
        self
    }

    /// Sets revisionHistoryLimit.
    pub fn revision_history_limit(mut self, n: i32) -> Self {
        self.spec.revision_history_limit = Some(n);
        self
    }

    /// The Deployment, selecting its template's labels.
    pub fn build(self) -> Deployment {
        let template = self.t.template();
        let mut spec = self.spec;
        spec.selector = PodSelector::match_labels(template.metadata.labels.clone());
        spec.template = template;
        Deployment {
            metadata: self.meta,
            spec,
            status: Default::default(),
        }
    }
}

/// A ClusterIP Service `name` in `default` selecting `selector`, with one TCP port 80 (the
/// smallest valid Service, for tests and benches).
pub fn service(name: &str, selector: Labels) -> crate::api::Service {
    let mut svc = crate::api::Service {
        metadata: ObjectMeta::named("default", name),
        ..crate::api::Service::default()
    };
    svc.spec.selector = Some(selector);
    svc.spec.ports = vec![crate::api::service::ServicePort {
        name: None,
        protocol: Default::default(),
        port: 80,
        target_port: None,
        node_port: None,
    }];
    svc
}
