//! Progress bars for long builds, drawn on standard error when it is a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use lieux_index::store::Progress;
use std::sync::Mutex;

/// Draws each stage of a build as an `indicatif` bar, for inputs large enough to need one.
#[derive(Default)]
pub struct Bar {
    bar: Mutex<Option<ProgressBar>>,
}

/// Stages with fewer steps finish too fast to be worth a bar.
const MIN_STEPS: u64 = 50_000;

impl Progress for Bar {
    fn start(&self, stage: &str, total: u64) {
        if total < MIN_STEPS {
            return;
        }
        let bar = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>16} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(stage.to_owned());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, steps: u64) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(steps);
            }
        }
    }

    fn stage_done(&self, stage: &str, took: std::time::Duration) {
        tracing::info!(stage, took_ms = took.as_millis(), "index stage");
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}
