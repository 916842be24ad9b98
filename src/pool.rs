//! The threads that answer searches: one per core, first come, first served.
//!
//! A search is CPU work of a tenth of a millisecond to tens of milliseconds: too long for an
//! HTTP worker, whose other connections would wait behind it, so it runs on other threads.
//! Actix's blocking pool starts a thread per concurrent call. At 16 connections, that is 16
//! threads time-slicing two cores: every answer waits for the others' slices, and the cores
//! switch between them. A fixed pool of one thread per core, fed by one queue, runs each
//! search to its end in arrival order, which cut the tail latency of searches under load
//! (`BENCHMARKS.md`, "Search: what made it fast", step 15).
//!
//! A search whose caller has gone (its request timed out, or actix dropped its connection) is
//! dropped from the queue unrun: under overload, the threads then answer the requests still
//! waiting for an answer instead of working through a backlog nobody reads. (A client that only
//! half-closes its connection is still waited for, as HTTP allows.)
//!
//! Searches only: building a filter's cluster hierarchy or an index takes seconds and would
//! hold a thread that searches queue for, so it stays on the blocking pool.

use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use crossbeam_channel::{Receiver, Sender};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads taking jobs from one queue.
pub struct QueryPool {
    jobs: Sender<Job>,
    threads: usize,
    /// Jobs dropped unrun because their caller had gone.
    abandoned: Arc<AtomicU64>,
}

/// The pool stopped before the job answered: it panicked.
#[derive(Debug)]
pub struct JobFailed;

impl std::fmt::Display for JobFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the search failed unexpectedly (see the server log)")
    }
}

impl QueryPool {
    /// A pool of `threads` threads; they end when the pool is dropped.
    ///
    /// # Panics
    /// When the operating system cannot start a thread.
    #[must_use]
    pub fn new(threads: NonZeroUsize) -> Self {
        let threads = threads.get();
        let (jobs, queue) = crossbeam_channel::unbounded();
        for n in 0..threads {
            let queue: Receiver<Job> = queue.clone();
            thread::Builder::new()
                .name(format!("lieux-query-{n}"))
                .spawn(move || {
                    for job in queue {
                        // A panic is a bug: its job's caller gets an error, and the thread
                        // goes on with the next job.
                        let _ = catch_unwind(AssertUnwindSafe(job));
                    }
                })
                .expect("cannot start a query thread");
        }
        Self {
            jobs,
            threads,
            abandoned: Arc::default(),
        }
    }

    /// A pool of one thread per core.
    #[must_use]
    pub fn per_core() -> Self {
        Self::new(thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
    }

    /// Runs `job` on the pool and waits for its answer.
    ///
    /// # Errors
    /// [`JobFailed`] when the job panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, JobFailed> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let abandoned = Arc::clone(&self.abandoned);
        let job: Job = Box::new(move || {
            if answer.is_closed() {
                abandoned.fetch_add(1, Ordering::Relaxed);
                return;
            }
            // The caller may go while the job runs: the answer is then dropped.
            let _ = answer.send(job());
        });
        self.jobs.send(job).map_err(|_| JobFailed)?;
        answered.await.map_err(|_| JobFailed)
    }

    /// The number of threads.
    #[must_use]
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The number of jobs waiting for a thread, those whose caller has gone included until
    /// their turn comes.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.jobs.len()
    }

    /// The number of jobs dropped unrun because their caller had gone.
    #[must_use]
    pub fn abandoned(&self) -> u64 {
        self.abandoned.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        actix_web::rt::System::new().block_on(future)
    }

    #[test]
    fn answers_every_job_on_its_threads() {
        let pool = QueryPool::new(NonZeroUsize::new(2).unwrap());
        let names: Vec<String> = block_on(async {
            let jobs = (0..8)
                .map(|_| pool.run(|| thread::current().name().unwrap_or_default().to_owned()));
            futures_util::future::join_all(jobs).await
        })
        .into_iter()
        .map(Result::unwrap)
        .collect();
        assert_eq!(names.len(), 8);
        assert!(
            names.iter().all(|n| n.starts_with("lieux-query-")),
            "{names:?}"
        );
    }

    #[test]
    fn a_job_whose_caller_has_gone_is_not_run() {
        use futures_util::FutureExt;
        use std::sync::atomic::AtomicBool;
        let pool = QueryPool::new(NonZeroUsize::MIN);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let ran = Arc::new(AtomicBool::new(false));
        block_on(async {
            // The one thread waits until released, so the next job queues behind it.
            let mut busy = Box::pin(pool.run(move || released.recv().is_ok()));
            assert!((&mut busy).now_or_never().is_none());
            let ran_too = Arc::clone(&ran);
            // Polled once, the job is queued; dropped, its caller is gone.
            assert!(pool
                .run(move || ran_too.store(true, Ordering::Relaxed))
                .now_or_never()
                .is_none());
            release.send(()).unwrap();
            assert!(busy.await.unwrap());
            // One thread, first come first served: the dropped job's turn has passed.
            assert_eq!(pool.run(|| 7).await.unwrap(), 7);
        });
        assert!(!ran.load(Ordering::Relaxed));
        assert_eq!(pool.abandoned(), 1);
    }

    #[test]
    fn a_panicking_job_fails_alone() {
        let pool = QueryPool::new(NonZeroUsize::MIN);
        block_on(async {
            let failed = pool.run(|| -> u32 { panic!("a bug") }).await;
            assert!(failed.is_err());
            assert_eq!(pool.run(|| 7).await.unwrap(), 7);
        });
    }
}
