//! Looking ahead without running: when the simulation next has work, for
//! drivers (such as loadgen) that step from one busy instant to the next.

use super::Simulation;
use crate::api::Time;

impl Simulation {
    /// The earliest simulated time at which anything is scheduled (a timer,
    /// a controller's queued key, a scheduler wake-up), never before now; or
    /// `None` when nothing is pending (the cluster has converged). The
    /// scheduler's periodic retry of unschedulable pods does not count: it
    /// cannot change an outcome here (see [`crate::sched::Scheduler::next_busy_wakeup`]),
    /// though `run_until` still performs it when it falls inside the run.
    ///
    /// `run_until(t)` with this time runs up to and including that instant
    /// and stops there, exactly as one longer run would have passed through
    /// it, so stepping this way keeps the trace identical.
    pub fn next_event_time(&self) -> Option<Time> {
        self.next_time(false)
    }
}
