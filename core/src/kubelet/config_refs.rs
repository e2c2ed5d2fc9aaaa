//! ConfigMaps and Secrets a pod needs before its containers can start.
//! A missing one (or a missing key), unless marked optional, holds the pod
//! in `CreateContainerConfigError`, as the kubelet does.

use crate::api::{ConfigMap, Pod, Secret};
use crate::store::Store;

/// The first missing reference, in the kubelet's words, if any.
pub(super) fn missing(store: &Store, pod: &Pod) -> Option<String> {
    let ns = pod.metadata.namespace.as_str();
    let config_map = |name: &str| store.get_named::<ConfigMap>(ns, name);
    let secret = |name: &str| store.get_named::<Secret>(ns, name);
    for c in pod.spec.containers.iter().chain(&pod.spec.init_containers) {
        for e in &c.env {
            let Some(from) = &e.value_from else { continue };
            if let Some(r) = &from.config_map_key_ref
                && r.optional != Some(true)
            {
                match config_map(r.name.as_str()) {
                    None => return Some(format!("configmap {:?} not found", r.name.as_str())),
                    Some(cm) if !cm.data.contains_key(&r.key) && !cm.binary_data.contains_key(&r.key) => {
                        return Some(format!(
                            "couldn't find key {} in ConfigMap {}/{}",
                            r.key, ns, r.name
                        ));
                    }
                    Some(_) => {}
                }
            }
            if let Some(r) = &from.secret_key_ref
                && r.optional != Some(true)
            {
                match secret(r.name.as_str()) {
                    None => return Some(format!("secret {:?} not found", r.name.as_str())),
                    Some(s) if !s.data.contains_key(&r.key) && !s.string_data.contains_key(&r.key) => {
                        return Some(format!("couldn't find key {} in Secret {}/{}", r.key, ns, r.name));
                    }
                    Some(_) => {}
                }
            }
        }
        for from in &c.env_from {
            if let Some(r) = &from.config_map_ref
                && r.optional != Some(true)
                && config_map(r.name.as_str()).is_none()
            {
                return Some(format!("configmap {:?} not found", r.name.as_str()));
            }
            if let Some(r) = &from.secret_ref
                && r.optional != Some(true)
                && secret(r.name.as_str()).is_none()
            {
                return Some(format!("secret {:?} not found", r.name.as_str()));
            }
        }
    }
    for v in &pod.spec.volumes {
        if let Some(r) = &v.config_map
            && r.optional != Some(true)
            && config_map(r.name.as_str()).is_none()
        {
            return Some(format!("configmap {:?} not found", r.name.as_str()));
        }
        if let Some(r) = &v.secret
            && r.optional != Some(true)
            && secret(r.secret_name.as_str()).is_none()
        {
            return Some(format!("secret {:?} not found", r.secret_name.as_str()));
        }
    }
    None
}
