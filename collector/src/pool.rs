//! The job pool: a fixed number of worker threads over one queue. A job may return follow-up
//! jobs; they go to the front of the queue in their order, since they belong to a family already
//! under way (the kubectl reads the probe unlocked, the logs the pod list picked). The pool
//! returns when the queue is empty and no job is running.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

struct Queue<J> {
    jobs: VecDeque<J>,
    in_flight: usize,
}

/// Runs every job (and every follow-up) through `work` on `workers` threads (at least one).
pub fn run<J, F>(jobs: Vec<J>, workers: usize, work: F)
where
    J: Send,
    F: Fn(J) -> Vec<J> + Sync,
{
    let queue = Mutex::new(Queue {
        jobs: jobs.into(),
        in_flight: 0,
    });
    let cv = Condvar::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| s.spawn(|| worker(&queue, &cv, &work)))
            .collect();
        for h in handles {
            // A worker that panicked has already said so on stderr; the others finish the queue.
            let _ = h.join();
        }
    });
}

fn worker<J, F>(queue: &Mutex<Queue<J>>, cv: &Condvar, work: &F)
where
    F: Fn(J) -> Vec<J>,
{
    loop {
        let job = {
            let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(j) = q.jobs.pop_front() {
                    q.in_flight += 1;
                    break Some(j);
                }
                if q.in_flight == 0 {
                    break None;
                }
                q = cv.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Some(job) = job else {
            cv.notify_all();
            return;
        };
        let follow = work(job);
        let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
        for j in follow.into_iter().rev() {
            q.jobs.push_front(j);
        }
        q.in_flight -= 1;
        cv.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_run_next_in_their_order() {
        let done = Mutex::new(Vec::new());
        run(vec![1, 2], 1, |j: u32| {
            done.lock().unwrap().push(j);
            if j == 1 {
                vec![10, 11]
            } else {
                vec![]
            }
        });
        assert_eq!(done.into_inner().unwrap(), vec![1, 10, 11, 2]);
    }

    #[test]
    fn every_job_runs_once_on_many_workers() {
        let done = Mutex::new(Vec::new());
        // Jobs 1, 2 and 3 each spawn two children: the binary tree 1..=7, 7 jobs in all.
        run(vec![1u32], 4, |j| {
            done.lock().unwrap().push(j);
            if j < 4 {
                vec![2 * j, 2 * j + 1]
            } else {
                vec![]
            }
        });
        let mut got = done.into_inner().unwrap();
        got.sort_unstable();
        assert_eq!(got, (1..=7).collect::<Vec<_>>());
        run(Vec::<u32>::new(), 3, |_| vec![]);
    }
}
