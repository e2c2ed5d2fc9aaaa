//! Completion indexes of Indexed Jobs (`pkg/controller/job/indexed_job_utils.go`):
//! ordered intervals, their compressed text (`1,3-5`), and the first indexes
//! still to run.

use std::fmt;

use crate::api::Pod;

/// The annotation (and label) carrying a pod's completion index.
pub const COMPLETION_INDEX_ANNOTATION: &str = "batch.kubernetes.io/job-completion-index";
/// The environment variable that exposes the index to the containers.
pub const COMPLETION_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// A pod's completion index (`getCompletionIndex`): `None` when the
/// annotation is missing, not a number, or negative.
pub fn completion_index(pod: &Pod) -> Option<i32> {
    let v = pod.metadata.annotations.get(COMPLETION_INDEX_ANNOTATION)?;
    v.parse::<i32>().ok().filter(|i| *i >= 0)
}

/// A set of indexes as sorted, disjoint, non-adjacent closed intervals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Intervals(Vec<(i32, i32)>);

impl Intervals {
    /// `parseIndexesFromString`: reads `1,3-5`, dropping indexes at or above
    /// `completions` and skipping corrupt parts.
    pub fn parse(s: &str, completions: i32) -> Intervals {
        let mut out: Vec<(i32, i32)> = Vec::new();
        if s.is_empty() {
            return Intervals(out);
        }
        for part in s.split(',') {
            let mut limits = part.split('-');
            let Some(Ok(first)) = limits.next().map(str::parse::<i32>) else {
                continue;
            };
            if first >= completions {
                break;
            }
            let last = match limits.next() {
                Some(l) => match l.parse::<i32>() {
                    Ok(l) => l.min(completions - 1),
                    Err(_) => continue,
                },
                None => first,
            };
            match out.last_mut() {
                Some(prev) if prev.1 == first - 1 => prev.1 = last,
                _ => out.push((first, last)),
            }
        }
        Intervals(out)
    }

    /// `withOrderedIndexes`: these intervals plus `new` (sorted ascending).
    pub fn with_indexes(&self, new: &[i32]) -> Intervals {
        let other: Vec<(i32, i32)> = new.iter().map(|i| (*i, *i)).collect();
        self.merge(&other)
    }

    /// `merge`: the union with other ordered intervals.
    fn merge(&self, other: &[(i32, i32)]) -> Intervals {
        let mut out: Vec<(i32, i32)> = Vec::with_capacity(self.0.len() + other.len());
        let mut push = |iv: (i32, i32)| match out.last_mut() {
            Some(last) if iv.0 <= last.1 + 1 => last.1 = last.1.max(iv.1),
            _ => out.push(iv),
        };
        let (a, b) = (&self.0, other);
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if a[i].0 < b[j].0 {
                push(a[i]);
                i += 1;
            } else {
                push(b[j]);
                j += 1;
            }
        }
        a[i..].iter().chain(&b[j..]).for_each(|iv| push(*iv));
        Intervals(out)
    }

    /// How many indexes the set holds.
    pub fn total(&self) -> i32 {
        self.0.iter().map(|(f, l)| l - f + 1).sum()
    }

    /// The highest index, if any.
    pub fn max(&self) -> Option<i32> {
        self.0.last().map(|(_, last)| *last)
    }

    /// Whether `ix` is in the set.
    pub fn has(&self, ix: i32) -> bool {
        let pos = self.0.partition_point(|(_, last)| *last < ix);
        self.0.get(pos).is_some_and(|(first, _)| *first <= ix)
    }

    /// `firstPendingIndexes`: the first `count` indexes below `completions`
    /// that are neither in this set nor in `active`.
    pub fn first_pending(&self, active: &[i32], count: usize, completions: i32) -> Vec<i32> {
        let mut result = Vec::with_capacity(count);
        if count == 0 {
            return result;
        }
        let mut active = active.to_vec();
        active.sort_unstable();
        active.dedup();
        let taken = self.with_indexes(&active);
        let mut candidate = 0;
        for (first, last) in &taken.0 {
            while candidate < completions && result.len() < count && candidate < *first {
                result.push(candidate);
                candidate += 1;
            }
            candidate = candidate.max(last + 1);
        }
        while candidate < completions && result.len() < count {
            result.push(candidate);
            candidate += 1;
        }
        result
    }
}

impl fmt::Display for Intervals {
    /// The compressed form: `first-last` for three or more consecutive
    /// indexes, `first,last` for two.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, (first, last)) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{first}")?;
            if last > first {
                let sep = if *last == first + 1 { ',' } else { '-' };
                write!(f, "{sep}{last}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_like_upstream() {
        let iv = Intervals::default().with_indexes(&[1, 3, 4, 5, 7, 8]);
        assert_eq!(iv.to_string(), "1,3-5,7,8");
        assert_eq!(iv.total(), 6);
        assert!(iv.has(4) && iv.has(8) && !iv.has(2) && !iv.has(9) && !iv.has(0));
        assert_eq!(Intervals::parse("1,3-5,7,8", 10), iv);
        assert_eq!(Intervals::parse("1,3-5,7,8", 4).to_string(), "1,3");
        assert_eq!(Intervals::parse("0-2,x,3", 10).to_string(), "0-3");
        assert_eq!(Intervals::parse("", 3).total(), 0);
        let merged = Intervals::parse("0,1", 10).with_indexes(&[2, 4]);
        assert_eq!(merged.to_string(), "0-2,4");
    }

    #[test]
    fn first_pending_skips_succeeded_and_active() {
        let done = Intervals::parse("1,3-5", 10);
        assert_eq!(done.first_pending(&[0, 7], 3, 10), vec![2, 6, 8]);
        assert_eq!(done.first_pending(&[], 10, 7), vec![0, 2, 6]);
        assert_eq!(done.first_pending(&[], 0, 7), Vec::<i32>::new());
    }
}
