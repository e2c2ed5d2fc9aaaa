//! Label selector queries over 1,000,000 pods (inverted index vs linear scan) and finding the
//! selectors, among 10,000 ReplicaSet-like ones, that match one pod (reverse index vs testing each).
//! Criterion groups: `selector_query` (functions `indexed` and `linear`, one parameter per
//! query) and `reverse_index` (`indexed` and `linear`), so each pair sits side by side.
//!
//! The pods have a realistic label mix: `app` (1,000 values), `tier` (4, weighted), `env` (3),
//! `zone` (3), `version` (5), `pod-template-hash` (10,000 values, 100 pods each), and `canary=true`
//! on 5% of the templates. Pods of one template and zone share one `Labels` allocation.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kubesim::labels::index::{LabelIndex, LinearLabelIndex};
use kubesim::labels::reverse::{LinearReverseIndex, ReverseIndex};
use kubesim::labels::{Labels, Selector};

/// Pods in the index (10,000 in criterion's test mode, which only checks that the bench runs).
fn pod_count() -> u32 {
    kubesim_benches::size(1_000_000, 10_000) as u32
}
const TEMPLATES: u32 = 10_000;
const APPS: u32 = 1_000;
const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];

/// A fixed integer mixer (splitmix64's finaliser), so the workload is the same on every run.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn template_hash(t: u32) -> String {
    format!("{:010x}", mix(u64::from(t) + 7) & 0xff_ffff_ffff)
}

fn app_of(t: u32) -> u32 {
    t % APPS
}

/// The labels of template `t` in zone `z`.
fn template_labels(t: u32, z: usize) -> Labels {
    let app = app_of(t);
    let tier = match mix(u64::from(app) + 1_000_000) % 10 {
        0..=2 => "frontend",
        3..=6 => "backend",
        7..=8 => "cache",
        _ => "db",
    };
    let h = mix(u64::from(t));
    let env = ["prod", "staging", "dev"][(h % 3) as usize];
    let version = ["v1", "v2", "v3", "v4", "v5"][((h >> 8) % 5) as usize];
    let mut pairs = vec![
        ("app".to_owned(), format!("app-{app}")),
        ("tier".to_owned(), tier.to_owned()),
        ("env".to_owned(), env.to_owned()),
        ("zone".to_owned(), ZONES[z].to_owned()),
        ("version".to_owned(), version.to_owned()),
        ("pod-template-hash".to_owned(), template_hash(t)),
    ];
    if (h >> 16).is_multiple_of(20) {
        pairs.push(("canary".to_owned(), "true".to_owned()));
    }
    pairs.into_iter().collect()
}

/// The labels of every pod: pod `i` belongs to template `i / 100`, zone `i % 3`.
fn pods() -> Vec<Labels> {
    let per_template = (pod_count() / TEMPLATES).max(1);
    let templates: Vec<[Labels; 3]> = (0..TEMPLATES)
        .map(|t| {
            [
                template_labels(t, 0),
                template_labels(t, 1),
                template_labels(t, 2),
            ]
        })
        .collect();
    (0..pod_count())
        .map(|i| templates[(i / per_template) as usize][(i % 3) as usize].clone())
        .collect()
}

fn selector_query(c: &mut Criterion) {
    let started = Instant::now();
    let pods = pods();
    let mut index = LabelIndex::new();
    let mut linear = LinearLabelIndex::new();
    for (id, labels) in (0u32..).zip(&pods) {
        index.insert(id, labels);
        linear.insert(id, labels);
    }
    eprintln!(
        "built {} pods in {:.1?}; index heap ≈ {} bytes ({:.1} bytes/pod)",
        index.len(),
        started.elapsed(),
        index.heap_bytes(),
        index.heap_bytes() as f64 / f64::from(pod_count())
    );

    let queries = [
        ("0.1%", "app=app-17"),
        ("10%", "tier=frontend,env in (prod)"),
        ("negative", "app=app-17,version notin (v1,v2),!canary"),
    ];
    let mut group = c.benchmark_group("selector_query");
    for (name, text) in queries {
        let selector = Selector::parse(text).expect("valid selector");
        let hits = index.query(&selector).len();
        assert_eq!(hits, linear.query(&selector).len(), "{text}");
        eprintln!(
            "{name}: `{text}` matches {hits} pods ({:.2}%)",
            100.0 * hits as f64 / f64::from(pod_count())
        );
        group.sample_size(50).warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));
        group.bench_function(BenchmarkId::new("indexed", name), |b| {
            b.iter(|| index.query(black_box(&selector)))
        });
        group.sample_size(10).warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(3));
        group.bench_function(BenchmarkId::new("linear", name), |b| {
            b.iter(|| linear.query(black_box(&selector)))
        });
    }
    group.finish();
}

fn reverse_index(c: &mut Criterion) {
    let mut index = ReverseIndex::new();
    let mut linear = LinearReverseIndex::new();
    for t in 0..TEMPLATES {
        let text = format!("app=app-{},pod-template-hash={}", app_of(t), template_hash(t));
        let selector = Selector::parse(&text).expect("valid selector");
        index.insert(t, selector.clone());
        linear.insert(t, selector);
    }
    let pod = template_labels(4_217, 1);
    assert_eq!(index.matching(&pod), vec![4_217]);
    assert_eq!(linear.matching(&pod), vec![4_217]);

    let mut group = c.benchmark_group("reverse_index");
    let mut out = Vec::new();
    group.sample_size(50).warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group.bench_function(BenchmarkId::new("indexed", "10000_selectors"), |b| {
        b.iter(|| {
            index.matching_into(black_box(&pod), &mut out);
            out.len()
        })
    });
    group.sample_size(20).warm_up_time(Duration::from_millis(300));
    group.bench_function(BenchmarkId::new("linear", "10000_selectors"), |b| {
        b.iter(|| {
            linear.matching_into(black_box(&pod), &mut out);
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, selector_query, reverse_index);
criterion_main!(benches);
