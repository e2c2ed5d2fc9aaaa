//! Store throughput (create, update labels, delete) and the memory a pod
//! costs at 1,000,000 pods, indexes included.
//!
//! The memory figure is measured, not estimated: the growth of the
//! process's resident set (`VmRSS` in `/proc/self/status`) while a store
//! fills with 1,000,000 single-container pods of six labels and one owner,
//! divided by the pod count. It prints before the criterion groups run.
//! Criterion's test mode (`cargo test --benches`) measures 10,000 pods and
//! fills stores of 20,000 instead of 100,000.

use std::sync::Arc;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kubesim::api::pod::Container;
use kubesim::api::{ObjectMeta, OwnerReference, Pod, PodSpec, Uid};
use kubesim::intern::Symbol;
use kubesim::labels::Labels;
use kubesim::store::{DeleteOptions, Key, Store};

/// Pods per owner (one ReplicaSet-like owner per 100 pods).
const PODS_PER_OWNER: usize = 100;

fn template_spec() -> Arc<PodSpec> {
    let mut spec = PodSpec {
        containers: vec![Container {
            name: Symbol::intern("app"),
            image: Symbol::intern("nginx:1.27"),
            resources: kubesim::api::ResourceRequirements {
                requests: kubesim::api::ResourceList::cpu_memory(100, 128 << 20),
                limits: kubesim::api::ResourceList::new(),
            },
            ..Container::default()
        }],
        ..PodSpec::default()
    };
    spec.derived = spec.derive();
    Arc::new(spec)
}

/// The labels of pod `i`: app, tier, env, zone, version, pod-template-hash.
fn labels(i: usize) -> Labels {
    let owner = i / PODS_PER_OWNER;
    Labels::from_iter([
        ("app", format!("app-{}", owner % 1000)),
        (
            "tier",
            ["frontend", "backend", "cache", "db"][owner % 4].to_owned(),
        ),
        ("env", ["prod", "staging", "dev"][owner % 3].to_owned()),
        ("zone", ["a", "b", "c"][i % 3].to_owned()),
        ("version", format!("v{}", owner % 5)),
        ("pod-template-hash", format!("h{owner:07}")),
    ])
}

/// What the pods of one owner share, as a ReplicaSet's pods share its
/// template: labels, the generateName prefix, the owner reference, the spec.
struct Owner {
    labels: Labels,
    generate_name: Symbol,
    reference: OwnerReference,
    spec: Arc<PodSpec>,
}

impl Owner {
    fn new(owner: usize, spec: &Arc<PodSpec>) -> Owner {
        Owner {
            labels: labels(owner * PODS_PER_OWNER),
            generate_name: Symbol::intern(&format!("rs-{owner:07}-")),
            reference: OwnerReference {
                api_version: Symbol::intern("apps/v1"),
                kind: Symbol::intern("ReplicaSet"),
                name: Symbol::intern(&format!("rs-{owner:07}")),
                uid: Uid(owner as u64 + 1),
                controller: Some(true),
                block_owner_deletion: Some(true),
            },
            spec: Arc::clone(spec),
        }
    }

    fn pod(&self) -> Pod {
        let mut meta = ObjectMeta {
            namespace: Symbol::DEFAULT,
            generate_name: Some(self.generate_name),
            labels: self.labels.clone(),
            ..ObjectMeta::default()
        };
        meta.owner_references.push(self.reference.clone());
        Pod {
            metadata: meta,
            spec: Arc::clone(&self.spec),
            node_name: None,
            status: Default::default(),
        }
    }
}

/// A pod spec as admission leaves it (defaulted, derived, validated), so
/// that the pods share it the way a ReplicaSet's pods share its template.
fn admitted_spec() -> Arc<PodSpec> {
    let mut store = Store::new(0);
    let owner = Owner::new(0, &template_spec());
    let key = store.create(owner.pod()).expect("valid pod");
    Arc::clone(&store.get(key).expect("created").spec)
}

fn owners(n: usize) -> Vec<Owner> {
    let spec = admitted_spec();
    (0..n.div_ceil(PODS_PER_OWNER))
        .map(|o| Owner::new(o, &spec))
        .collect()
}

/// A store holding `n` pods.
fn filled(n: usize, owners: &[Owner]) -> (Store, Vec<Key<Pod>>) {
    let mut store = Store::new(1);
    let keys = (0..n)
        .map(|i| store.create(owners[i / PODS_PER_OWNER].pod()).expect("valid pod"))
        .collect();
    (store, keys)
}

fn rss_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Prints bytes per pod at 1,000,000 pods.
fn memory_per_pod() {
    let n = kubesim_benches::size(1_000_000, 10_000);
    // What the owners share (template labels and spec, interned names) is
    // built first: it is per owner, not per pod.
    let owners = owners(n);
    let before = rss_bytes();
    let (store, keys) = filled(n, &owners);
    let after = rss_bytes();
    let estimate = store.pod_memory();
    match (before, after) {
        (Some(b), Some(a)) => println!(
            "store memory: {} pods, {:.0} bytes per pod measured (resident set growth), {:.0} bytes per pod by the store's own estimate",
            keys.len(),
            (a.saturating_sub(b)) as f64 / n as f64,
            estimate.per_pod()
        ),
        _ => println!(
            "store memory: {:.0} bytes per pod (estimate; /proc unavailable)",
            estimate.per_pod()
        ),
    }
    drop(store);
}

fn bench(c: &mut Criterion) {
    memory_per_pod();
    let owners = owners(110_000);
    let base = kubesim_benches::size(100_000, 20_000);
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    const BATCH: usize = 10_000;
    group.throughput(Throughput::Elements(BATCH as u64));
    let into = format!("{}k_pods", base / 1000);
    group.bench_function(BenchmarkId::new("create_10k", &into), |b| {
        b.iter_batched(
            || filled(base, &owners).0,
            |mut store| {
                for i in 0..BATCH {
                    store
                        .create(owners[1000 + i / PODS_PER_OWNER].pod())
                        .expect("valid pod");
                }
                store
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function(BenchmarkId::new("update_labels_10k", &into), |b| {
        b.iter_batched(
            || filled(base, &owners),
            |(mut store, keys)| {
                for (i, key) in keys.iter().take(BATCH).enumerate() {
                    let version = Symbol::intern(if i % 2 == 0 { "v9" } else { "v8" });
                    store
                        .update(*key, |p| {
                            p.metadata.labels = p.metadata.labels.with(Symbol::intern("version"), version)
                        })
                        .expect("valid labels");
                }
                store
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function(BenchmarkId::new("delete_10k", &into), |b| {
        b.iter_batched(
            || filled(base, &owners),
            |(mut store, keys)| {
                for key in keys.iter().take(BATCH) {
                    store.delete(*key, DeleteOptions::now()).expect("present");
                }
                store
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
