//! Progress on stderr (indicatif): shown only when stderr is a terminal and
//! the work has taken more than a second; otherwise silent.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kubesim::sim::Simulation;

/// How long work runs before a bar appears.
const DELAY: Duration = Duration::from_secs(1);
/// How often a run's bar is refreshed at most.
const REFRESH: Duration = Duration::from_millis(100);

/// A progress display: a spinner for one run, a bar for many.
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
    state: Mutex<State>,
    enabled: bool,
}

struct State {
    shown: bool,
    last: Instant,
}

impl Progress {
    fn with(bar: ProgressBar, enabled: bool) -> Progress {
        bar.set_draw_target(ProgressDrawTarget::hidden());
        let now = Instant::now();
        Progress {
            bar,
            start: now,
            state: Mutex::new(State {
                shown: false,
                last: now,
            }),
            enabled: enabled && std::io::stderr().is_terminal(),
        }
    }

    /// A spinner for one simulation.
    pub fn spinner(enabled: bool) -> Progress {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Progress::with(bar, enabled)
    }

    /// A bar of `total` runs (a sweep, a plan).
    pub fn bar(total: u64, what: &str, enabled: bool) -> Progress {
        let bar = ProgressBar::new(total);
        let template = format!("{{bar:30}} {{pos}}/{{len}} {what} {{elapsed}} {{msg}}");
        bar.set_style(
            ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Progress::with(bar, enabled)
    }

    /// A display that never shows.
    pub fn hidden() -> Progress {
        Progress::with(ProgressBar::hidden(), false)
    }

    /// Whether it is time to draw; shows the bar once the delay has passed.
    fn due(&self) -> bool {
        if !self.enabled {
            return false;
        }
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        let now = Instant::now();
        if now.duration_since(s.last) < REFRESH {
            return false;
        }
        s.last = now;
        if !s.shown && now.duration_since(self.start) >= DELAY {
            s.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        s.shown
    }

    /// After a simulation step: simulated time and pods.
    pub fn tick(&self, sim: &Simulation) {
        if !self.due() {
            return;
        }
        let stats = sim.scheduler().stats();
        self.bar.set_message(format!(
            "simulated {:.1}s, {} pods scheduled",
            sim.now().millis() as f64 / 1000.0,
            stats.scheduled
        ));
        self.bar.tick();
    }

    /// One more run done.
    pub fn inc(&self) {
        self.bar.inc(1);
        self.due();
    }

    /// Removes the display.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
