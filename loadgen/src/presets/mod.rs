//! The presets: scenario files shipped inside the binary, and the data files
//! they refer to (`data/`, resolved by name when a preset is loaded).

/// A preset scenario.
pub struct Preset {
    /// Its name (`--preset NAME`).
    pub name: &'static str,
    /// One line on what it shows.
    pub summary: &'static str,
    /// The scenario file.
    pub text: &'static str,
}

/// Every preset, in the order `loadgen presets` lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "scheduling-basic",
        summary: "scheduler_perf's SchedulingBasic: 5,000 nodes, 2,000 pods; scheduling throughput",
        text: include_str!("scheduling-basic.yaml"),
    },
    Preset {
        name: "cluster-5k",
        summary: "5,000 nodes, 10,000 Deployments, 150,000 pods to Ready",
        text: include_str!("cluster-5k.yaml"),
    },
    Preset {
        name: "rollout-storm",
        summary: "cluster-5k, then a new template rolled out to all 10,000 Deployments at once",
        text: include_str!("rollout-storm.yaml"),
    },
    Preset {
        name: "zone-outage",
        summary: "three zones, lose one, watch the controllers replace the pods",
        text: include_str!("zone-outage.yaml"),
    },
    Preset {
        name: "microservices-demo",
        summary: "the real microservices-demo manifests on three 4 CPU / 16Gi nodes",
        text: include_str!("microservices-demo.yaml"),
    },
    Preset {
        name: "openb-replay",
        summary: "Alibaba's openb GPU trace (excerpt) replayed: placed, waited, allocation over time",
        text: include_str!("openb-replay.yaml"),
    },
    Preset {
        name: "capacity-plan",
        summary: "a `plan` example: nodes for 300 Deployments with 20% headroom, surviving a zone",
        text: include_str!("capacity-plan.yaml"),
    },
];

/// Data files presets refer to, by the path they use.
const DATA: &[(&str, &str)] = &[
    (
        "data/microservices-demo.yaml",
        include_str!("data/microservices-demo.yaml"),
    ),
    ("data/openb-nodes.csv", include_str!("data/openb-nodes.csv")),
    ("data/openb-pods.csv", include_str!("data/openb-pods.csv")),
];

/// The preset called `name`.
pub fn get(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// Every preset name.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

/// A data file by the path a preset uses.
pub fn data(path: &str) -> Option<&'static str> {
    let path = path.strip_prefix("./").unwrap_or(path);
    DATA.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}
