//! The scheduler a scenario asks for: its `scheduler` section turned into
//! core's `SchedulerConfig` (profile by name, `percentageOfNodesToScore`,
//! preemption, parallelism).

use kubesim::sched::plugins::Strategy;
use kubesim::sched::{Profile, SchedulerConfig};

use super::format::SchedulerSection;

/// The profile names `scheduler.profile` accepts, each with what it is.
pub const PROFILES: &[(&str, &str)] = &[
    (
        "default",
        "kube-scheduler's default profile (NodeResourcesFit LeastAllocated)",
    ),
    (
        "most-allocated",
        "the default profile with NodeResourcesFit MostAllocated (bin packing)",
    ),
];

/// The profile named `name`, or `None` if there is no such profile.
/// `default-scheduler` is accepted as another name of `default`.
pub fn profile(name: &str) -> Option<Profile> {
    match name {
        "default" | "default-scheduler" => Some(Profile::default()),
        "most-allocated" => Some(Profile::with_strategy(Strategy::MostAllocated)),
        _ => None,
    }
}

/// The names accepted, for error messages.
pub fn profile_names() -> String {
    PROFILES
        .iter()
        .map(|(n, _)| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The scheduler configuration of a (validated) scheduler section, with
/// `threads` as the parallelism unless the section sets it (0 means
/// `threads` too).
pub fn config(s: &SchedulerSection, threads: usize) -> SchedulerConfig {
    let defaults = SchedulerConfig::default();
    SchedulerConfig {
        profile: s.profile.as_deref().and_then(profile).unwrap_or(defaults.profile),
        percentage_of_nodes_to_score: s.percentage_of_nodes_to_score.filter(|p| *p > 0),
        parallelism: s.parallelism.filter(|p| *p > 0).unwrap_or(threads).max(1),
        preemption: s.preemption.unwrap_or(defaults.preemption),
        fast_path: defaults.fast_path,
        node_index: defaults.node_index,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_becomes_the_scheduler_config() {
        let s = SchedulerSection {
            parallelism: None,
            percentage_of_nodes_to_score: Some(100),
            profile: Some("most-allocated".into()),
            preemption: Some(false),
        };
        let c = config(&s, 3);
        assert_eq!(c.parallelism, 3);
        assert_eq!(c.percentage_of_nodes_to_score, Some(100));
        assert!(!c.preemption);
        let d = config(&SchedulerSection::default(), 2);
        assert_eq!(d.parallelism, 2);
        assert_eq!(d.percentage_of_nodes_to_score, None);
        assert!(d.preemption);
        // Which profile is used is tested by its effect (tests/reports.rs).
        assert!(profile("most-allocated").is_some());
        assert!(profile("spread-everything").is_none());
    }
}
