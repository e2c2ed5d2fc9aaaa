//! The kinds kubesim knows, their `apiVersion`/`kind` strings, and
//! [`AnyObject`], an object of any kind (what a manifest or a tombstone holds).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::meta::ObjectMeta;
use super::*;

macro_rules! kinds {
    ($( $kind:ident : $ty:ty => $api:literal, $plural:literal, $namespaced:literal; )*) => {
        /// Every kind the simulation covers.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $(
                #[doc = concat!("`", $api, "/", stringify!($kind), "`")]
                $kind,
            )*
        }

        impl Kind {
            /// All kinds, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$kind),*];

            /// The kind's name, as in `kind:`.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$kind => stringify!($kind)),* }
            }

            /// The preferred `apiVersion`.
            pub fn api_version(self) -> &'static str {
                match self { $(Kind::$kind => $api),* }
            }

            /// The lowercase plural resource name (`replicasets`).
            pub fn plural(self) -> &'static str {
                match self { $(Kind::$kind => $plural),* }
            }

            /// Whether objects of this kind live in a namespace.
            pub fn is_namespaced(self) -> bool {
                match self { $(Kind::$kind => $namespaced),* }
            }

            /// The kind named `name` (case-sensitive, as in manifests).
            pub fn from_name(name: &str) -> Option<Kind> {
                match name { $(stringify!($kind) => Some(Kind::$kind),)* _ => None }
            }
        }

        /// An object of any kind.
        #[derive(Clone, Debug, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyObject {
            $(
                #[doc = concat!("A ", stringify!($kind), ".")]
                $kind($ty),
            )*
        }

        impl AnyObject {
            /// The object's kind.
            pub fn kind(&self) -> Kind {
                match self { $(AnyObject::$kind(_) => Kind::$kind),* }
            }

            /// The object's metadata.
            pub fn metadata(&self) -> &ObjectMeta {
                match self { $(AnyObject::$kind(o) => &o.metadata),* }
            }

            /// The object's metadata, mutably.
            pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
                match self { $(AnyObject::$kind(o) => &mut o.metadata),* }
            }

            /// The object as JSON with `apiVersion` and `kind`.
            pub fn to_json(&self) -> serde_json::Value {
                match self { $(AnyObject::$kind(o) => to_json(o)),* }
            }

            /// Decodes a JSON value of `kind` (the body; `apiVersion`/`kind` are ignored).
            pub fn from_json(kind: Kind, value: serde_json::Value) -> Result<AnyObject, serde_json::Error> {
                Ok(match kind { $(Kind::$kind => AnyObject::$kind(serde_json::from_value(value)?)),* })
            }
        }

        $(
            impl Object for $ty {
                const KIND: Kind = Kind::$kind;
                fn metadata(&self) -> &ObjectMeta { &self.metadata }
                fn metadata_mut(&mut self) -> &mut ObjectMeta { &mut self.metadata }
                fn into_any(self) -> AnyObject { AnyObject::$kind(self) }
                #[allow(clippy::result_large_err)]
                fn from_any(any: AnyObject) -> Result<Self, AnyObject> {
                    match any { AnyObject::$kind(o) => Ok(o), other => Err(other) }
                }
                fn from_any_ref(any: &AnyObject) -> Option<&Self> {
                    match any { AnyObject::$kind(o) => Some(o), _ => None }
                }
            }
        )*
    };
}

/// What every kind has: a [`Kind`], metadata, and conversion to and from
/// [`AnyObject`].
pub trait Object: Clone + fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind.
    const KIND: Kind;
    /// The metadata.
    fn metadata(&self) -> &ObjectMeta;
    /// The metadata, mutably.
    fn metadata_mut(&mut self) -> &mut ObjectMeta;
    /// Wraps the object.
    fn into_any(self) -> AnyObject;
    /// Unwraps an object of this kind, or gives it back.
    #[allow(clippy::result_large_err)]
    fn from_any(any: AnyObject) -> Result<Self, AnyObject>;
    /// Borrows an object of this kind.
    fn from_any_ref(any: &AnyObject) -> Option<&Self>;
}

kinds! {
    Namespace: Namespace => "v1", "namespaces", false;
    Node: Node => "v1", "nodes", false;
    Pod: Pod => "v1", "pods", true;
    ReplicaSet: ReplicaSet => "apps/v1", "replicasets", true;
    Deployment: Deployment => "apps/v1", "deployments", true;
    DaemonSet: DaemonSet => "apps/v1", "daemonsets", true;
    StatefulSet: StatefulSet => "apps/v1", "statefulsets", true;
    Job: Job => "batch/v1", "jobs", true;
    CronJob: CronJob => "batch/v1", "cronjobs", true;
    Service: Service => "v1", "services", true;
    Endpoints: Endpoints => "v1", "endpoints", true;
    ConfigMap: ConfigMap => "v1", "configmaps", true;
    Secret: Secret => "v1", "secrets", true;
    ServiceAccount: ServiceAccount => "v1", "serviceaccounts", true;
    ResourceQuota: ResourceQuota => "v1", "resourcequotas", true;
    LimitRange: LimitRange => "v1", "limitranges", true;
    PriorityClass: PriorityClass => "scheduling.k8s.io/v1", "priorityclasses", false;
    PodDisruptionBudget: PodDisruptionBudget => "policy/v1", "poddisruptionbudgets", true;
    HorizontalPodAutoscaler: HorizontalPodAutoscaler => "autoscaling/v2", "horizontalpodautoscalers", true;
    PersistentVolumeClaim: PersistentVolumeClaim => "v1", "persistentvolumeclaims", true;
}

impl Kind {
    /// The API group (`""` for core, `apps`, `batch`, ...).
    pub fn group(self) -> &'static str {
        self.api_version().rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The quota resource name `count/<plural>[.<group>]`.
    pub fn count_resource(self) -> String {
        match self.group() {
            "" => format!("count/{}", self.plural()),
            g => format!("count/{}.{}", self.plural(), g),
        }
    }

    /// Whether `api_version` is one kubesim accepts for this kind
    /// (`autoscaling/v1` for HPAs as well as the preferred version).
    pub fn accepts_api_version(self, api_version: &str) -> bool {
        api_version == self.api_version()
            || (self == Kind::HorizontalPodAutoscaler && api_version == "autoscaling/v1")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An object as JSON with `apiVersion` and `kind` first.
pub fn to_json<T: Object>(obj: &T) -> serde_json::Value {
    let mut body = match serde_json::to_value(obj) {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(_) | Err(_) => serde_json::Map::new(),
    };
    body.insert("apiVersion".into(), T::KIND.api_version().into());
    body.insert("kind".into(), T::KIND.name().into());
    serde_json::Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_know_their_api_versions() {
        assert_eq!(Kind::Deployment.api_version(), "apps/v1");
        assert_eq!(Kind::Deployment.group(), "apps");
        assert_eq!(Kind::Pod.count_resource(), "count/pods");
        assert_eq!(Kind::Deployment.count_resource(), "count/deployments.apps");
        assert_eq!(Kind::from_name("CronJob"), Some(Kind::CronJob));
        assert!(!Kind::Node.is_namespaced());
        assert!(Kind::HorizontalPodAutoscaler.accepts_api_version("autoscaling/v1"));
    }

    #[test]
    fn json_carries_type_meta() {
        let ns = Namespace {
            metadata: ObjectMeta::named("", "team-a"),
            ..Namespace::default()
        };
        let v = to_json(&ns);
        assert_eq!(v["apiVersion"], "v1");
        assert_eq!(v["kind"], "Namespace");
        assert_eq!(v["metadata"]["name"], "team-a");
    }
}
