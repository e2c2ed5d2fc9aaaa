//! The operations of a timeline step, performed at the current simulated
//! instant through the same admission path as a user's writes.

use std::sync::Arc;

use kubesim::api::{AnyObject, Deployment, Node, Pod};
use kubesim::labels::Selector;
use kubesim::quantity::Quantity;
use kubesim::store::{DeleteOptions, Key};
use kubesim::{Symbol, api};

use super::Driver;
use crate::error::{Failure, Result};
use crate::scenario::format::{NodePool, Workload};
use crate::scenario::steps::{NodeTarget, Op, PodTarget, RolloutOp, ScaleOp};
use crate::scenario::{Sourced, ensure_namespace, generate, namespace_of, workloads};

/// The annotation a template-less rollout sets, as `kubectl rollout restart` does.
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

fn selector(s: Option<&str>, path: &str) -> Result<Selector> {
    match s {
        None => Ok(Selector::everything()),
        Some(s) => Selector::parse(s).map_err(|e| Driver::fail(path, format!("invalid selector {s:?}: {e}"))),
    }
}

fn in_namespace(meta: &api::ObjectMeta, ns: Option<&str>) -> bool {
    ns.is_none_or(|ns| meta.namespace.as_str() == ns)
}

impl Driver<'_> {
    pub(super) fn op(&mut self, op: &Op, path: &str) -> Result<()> {
        match op {
            Op::CreateNodes(pool) => self.create_nodes(pool),
            Op::CreatePods(g) => self.create(&Workload::Pods(g.clone()), path),
            Op::CreateDeployments(g) => self.create(&Workload::Deployments(g.clone()), path),
            Op::Apply(w) => self.create(w, path),
            Op::Scale(s) => self.scale(s, path),
            Op::Rollout(r) => self.rollout(r, path),
            Op::FailNodes(t) => self.each_node(t, path, |d, n| d.sim.fail_node(n)),
            Op::RecoverNodes(t) => self.each_node(t, path, |d, n| d.sim.recover_node(n)),
            Op::FailZone(z) => self.each_node(&zone(z), path, |d, n| d.sim.fail_node(n)),
            Op::RecoverZone(z) => self.each_node(&zone(z), path, |d, n| d.sim.recover_node(n)),
            Op::Cordon(t) => self.each_node(t, path, |d, n| d.set_unschedulable(n, true)),
            Op::Uncordon(t) => self.each_node(t, path, |d, n| d.set_unschedulable(n, false)),
            Op::Drain(t) => self.each_node(t, path, |d, n| d.drain(n)),
            Op::DeletePods(t) => self.delete_pods(t, path),
            Op::Churn(c) => {
                self.start_churn(c, path);
                Ok(())
            }
            // The driver itself waits for these.
            Op::Barrier(_) | Op::Sleep(_) => Ok(()),
        }
    }

    /// Adds the nodes of a pool, numbering on from earlier nodes of the same pool.
    pub(super) fn create_nodes(&mut self, pool: &NodePool) -> Result<()> {
        let name = pool.name.clone().unwrap_or_else(|| "node".into());
        let first = *self.pool_next.get(&name).unwrap_or(&0);
        self.pool_next.insert(name, first + pool.count);
        for node in generate::pool_nodes(pool, first, self.setup.keep) {
            let shown = node.metadata.name.to_string();
            self.sim
                .store_mut()
                .create(node)
                .map_err(|e| Driver::fail(&format!("node {shown}"), e))?;
        }
        Ok(())
    }

    fn apply_object(&mut self, obj: AnyObject, origin: &str) -> Result<()> {
        if let Some(ns) = namespace_of(&obj) {
            let created = ensure_namespace(self.sim.store_mut(), &ns).map_err(|e| Driver::fail(origin, e))?;
            if created {
                self.notes.push(format!(
                    "created namespace {ns} (kubectl apply would need it to exist)"
                ));
            }
        }
        self.sim
            .store_mut()
            .apply(obj)
            .map(|_| ())
            .map_err(|e| Driver::fail(origin, e))
    }

    fn create(&mut self, w: &Workload, path: &str) -> Result<()> {
        let seed = self.setup.seed;
        let objects: Vec<AnyObject> = match w {
            Workload::Manifests(_) | Workload::Inline(_) => {
                let objs: Arc<Vec<Sourced>> = self.scn.objects_at(path);
                for s in objs.iter() {
                    self.apply_object(s.object.clone(), &s.origin)?;
                }
                return Ok(());
            }
            generator => {
                let count = workloads::count(generator).unwrap_or(0);
                generate::generate(count, seed, path, |i, rng| {
                    workloads::generated(generator, i, rng)
                })
            }
        };
        for obj in objects {
            self.apply_object(obj, path)?;
        }
        Ok(())
    }

    fn deployments(&self, sel: &Selector, ns: Option<&str>, name: Option<&str>) -> Vec<Key<Deployment>> {
        self.sim
            .store()
            .iter::<Deployment>()
            .filter(|(_, d)| {
                in_namespace(&d.metadata, ns)
                    && name.is_none_or(|n| d.metadata.name.to_string() == n)
                    && sel.matches(&d.metadata.labels)
            })
            .map(|(k, _)| k)
            .collect()
    }

    fn scale(&mut self, s: &ScaleOp, path: &str) -> Result<()> {
        let sel = selector(s.selector.as_deref(), path)?;
        let keys = self.deployments(&sel, s.namespace.as_deref(), s.name.as_deref());
        if keys.is_empty() {
            return Err(Driver::fail(path, "no Deployment matches"));
        }
        for k in keys {
            let store = self.sim.store_mut();
            let current = store.get(k).map_or(0, |d| d.spec.replicas);
            let replicas = match (s.replicas, s.factor) {
                (Some(r), _) => r,
                (None, Some(f)) => ((f64::from(current) * f).round()).clamp(0.0, f64::from(i32::MAX)) as i32,
                (None, None) => current,
            };
            store
                .update(k, |d| d.spec.replicas = replicas)
                .map_err(|e| Driver::fail(path, e))?;
        }
        Ok(())
    }

    fn rollout(&mut self, r: &RolloutOp, path: &str) -> Result<()> {
        let sel = selector(r.selector.as_deref(), path)?;
        let keys = self.deployments(&sel, r.namespace.as_deref(), None);
        if keys.is_empty() {
            return Err(Driver::fail(path, "no Deployment matches"));
        }
        let stamp = self.sim.now().to_string();
        let plain = r.image.is_none() && r.cpu.is_none() && r.memory.is_none();
        for k in keys {
            self.sim
                .store_mut()
                .update(k, |d| {
                    let t = &mut d.spec.template;
                    if plain {
                        t.metadata.annotations.set(RESTARTED_AT, &stamp);
                        return;
                    }
                    let spec = Arc::make_mut(&mut t.spec);
                    if let Some(c) = spec.containers.first_mut() {
                        if let Some(image) = &r.image {
                            c.image = Symbol::intern(image);
                        }
                        let set = |c: &mut api::pod::Container, name: Symbol, q: Option<Quantity>| {
                            if let Some(q) = q {
                                let units = api::resources::quantity_to_units(name.as_str(), &q);
                                c.resources.requests.set(name, units);
                            }
                        };
                        set(c, Symbol::CPU, r.cpu.map(|q| q.0));
                        set(c, Symbol::MEMORY, r.memory.map(|q| q.0));
                    }
                    spec.derived = Default::default();
                })
                .map_err(|e| Driver::fail(path, e))?;
        }
        Ok(())
    }

    /// The names of the nodes a target picks, in store order.
    fn nodes_matching(&mut self, t: &NodeTarget, path: &str) -> Result<Vec<String>> {
        let sel = selector(t.selector.as_deref(), path)?;
        let store = self.sim.store();
        for (i, n) in t.names.iter().enumerate() {
            if store.lookup::<Node>("", n).is_none() {
                return Err(Driver::fail(
                    &format!("{path}.names[{i}]"),
                    format!("node {n:?} not found"),
                ));
            }
        }
        let mut names: Vec<String> = store
            .iter::<Node>()
            .filter(|(_, n)| {
                let name = n.metadata.name.to_string();
                (t.names.is_empty() || t.names.contains(&name)) && sel.matches(&n.metadata.labels)
            })
            .map(|(_, n)| n.metadata.name.to_string())
            .collect();
        if names.is_empty() {
            return Err(Driver::fail(path, "no node matches"));
        }
        if let Some(count) = t.count {
            names = self.pick(names, count as usize);
        }
        Ok(names)
    }

    /// `count` of `items` chosen at random (seeded), in their original order.
    fn pick<T>(&mut self, items: Vec<T>, count: usize) -> Vec<T> {
        if count >= items.len() {
            return items;
        }
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..count {
            let j = i + self.rng.index(idx.len() - i);
            idx.swap(i, j);
        }
        let mut chosen = idx[..count].to_vec();
        chosen.sort_unstable();
        let mut keep = vec![false; items.len()];
        for c in chosen {
            keep[c] = true;
        }
        items
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(x, _)| x)
            .collect()
    }

    fn each_node(
        &mut self,
        t: &NodeTarget,
        path: &str,
        mut f: impl FnMut(&mut Self, &str) -> Result<(), kubesim::store::ApiError>,
    ) -> Result<()> {
        for name in self.nodes_matching(t, path)? {
            f(self, &name).map_err(|e| Driver::fail(path, e))?;
        }
        Ok(())
    }

    fn set_unschedulable(&mut self, name: &str, value: bool) -> Result<(), kubesim::store::ApiError> {
        let store = self.sim.store_mut();
        let Some(k) = store.lookup::<Node>("", name) else {
            return Ok(());
        };
        store.update(k, |n| n.spec.unschedulable = value)
    }

    /// Cordons a node and deletes its pods (gracefully), as `kubectl drain` evicts them.
    fn drain(&mut self, name: &str) -> Result<(), kubesim::store::ApiError> {
        self.set_unschedulable(name, true)?;
        let store = self.sim.store_mut();
        let pods: Vec<Key<Pod>> = store.pods_on_node(Symbol::intern(name)).to_vec();
        let mut pods: Vec<(u32, Key<Pod>)> = pods
            .into_iter()
            .filter_map(|k| store.get(k).map(|p| (p, k)))
            .filter(|(p, _)| {
                p.is_active()
                    && p.metadata
                        .controller_ref()
                        .is_none_or(|o| o.kind.as_str() != "DaemonSet")
            })
            .map(|(_, k)| (kubesim::store::object_key(k).index, k))
            .collect();
        // Slot order: the index's order is not part of the outcome.
        pods.sort_unstable_by_key(|(i, _)| *i);
        for (_, k) in pods {
            store.delete(k, DeleteOptions::default())?;
        }
        Ok(())
    }

    /// Deletes matching pods (a random subset when `count` is given).
    pub(super) fn delete_pods(&mut self, t: &PodTarget, path: &str) -> Result<()> {
        let sel = selector(t.selector.as_deref(), path)?;
        let keys: Vec<Key<Pod>> = self
            .sim
            .store()
            .iter::<Pod>()
            .filter(|(_, p)| {
                p.is_active()
                    && in_namespace(&p.metadata, t.namespace.as_deref())
                    && sel.matches(&p.metadata.labels)
            })
            .map(|(k, _)| k)
            .collect();
        let keys = match t.count {
            Some(c) => self.pick(keys, c as usize),
            None => keys,
        };
        for k in keys {
            self.sim
                .store_mut()
                .delete(k, DeleteOptions::default())
                .map_err(|e: kubesim::store::ApiError| -> Failure { Driver::fail(path, e) })?;
        }
        Ok(())
    }
}

/// The target of a zone step.
fn zone(z: &str) -> NodeTarget {
    NodeTarget {
        names: Vec::new(),
        selector: Some(format!("topology.kubernetes.io/zone={z}")),
        count: None,
    }
}
