//! Group commit: deliveries that arrive together are written in one transaction by one
//! writer task, so that a burst costs one commit per batch instead of one per delivery
//! (and, on SQLite, writers stop queueing for the database's single write lock).
//!
//! A request hands its item to [`Batcher::submit`] and waits for its own answer. The
//! writer takes the first waiting item and everything else already queued, up to the cap,
//! without waiting for more (a lone delivery is written at once; batches form by
//! themselves under load), writes them with [`Store::write`] and answers each waiter only
//! after that write returned, i.e. after its commit. When a batch fails with an error that
//! may be one item's fault ([`Store::per_item`]), its items are written again one
//! transaction each, so that one bad item fails alone; any other failure (the database
//! unreachable) is every item's answer at once.
//!
//! The loop knows nothing of databases: it is generic over the [`Store`], and tested here
//! with stores that fail or panic on purpose.

use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

/// Writes a batch: all of `items` in one transaction, or none of them.
pub(crate) trait Store: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    /// What a written item tells its waiter.
    type Output: Send + 'static;
    type Error: std::fmt::Display + Send + Sync + 'static;

    /// Writes `items` in one transaction and commits it; on success, one output per item,
    /// in order.
    fn write<'a>(
        &'a self,
        items: &'a [Self::Item],
    ) -> BoxFuture<'a, Result<Vec<Self::Output>, Self::Error>>;

    /// Whether a failed batch may have failed for one of its items (then each item is
    /// written again on its own); `false` for failures that would fail each of them too
    /// (no connection), which are answered to all at once.
    fn per_item(error: &Self::Error) -> bool;
}

/// Why a submitted item was not written.
#[derive(Debug)]
pub(crate) enum Failed<E> {
    /// Its write failed (shared: a failure of the whole batch is every item's answer).
    Write(Arc<E>),
    /// The writer is gone (its runtime shut down) or dropped the item (it panicked).
    Gone,
}

impl<E: std::fmt::Display> std::fmt::Display for Failed<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Write(e) => e.fmt(f),
            Failed::Gone => f.write_str("the batch writer is gone"),
        }
    }
}

type Answer<S> = Result<<S as Store>::Output, Failed<<S as Store>::Error>>;
type Waiting<S> = (<S as Store>::Item, oneshot::Sender<Answer<S>>);

/// The sending side; clones share one writer, which ends when the last clone is dropped.
pub(crate) struct Batcher<S: Store> {
    queue: mpsc::Sender<Waiting<S>>,
}

impl<S: Store> Clone for Batcher<S> {
    fn clone(&self) -> Self {
        Batcher {
            queue: self.queue.clone(),
        }
    }
}

impl<S: Store> Batcher<S> {
    /// Spawns the writer on the current Tokio runtime: batches of at most `cap` items;
    /// twice as many may wait in the queue (more wait to enter it).
    pub(crate) fn start(store: S, cap: usize) -> Batcher<S> {
        let cap = cap.max(1);
        let (queue, waiting) = mpsc::channel(2 * cap);
        tokio::spawn(run(store, waiting, cap));
        Batcher { queue }
    }

    /// Hands `item` to the writer and waits for its answer, given after the commit that
    /// holds it. Dropping this future (the client left) is harmless: the item may still be
    /// written, and its answer is dropped.
    pub(crate) async fn submit(&self, item: S::Item) -> Answer<S> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send((item, answer))
            .await
            .map_err(|_| Failed::Gone)?;
        answered.await.unwrap_or(Err(Failed::Gone))
    }
}

/// The writer: one batch at a time until every [`Batcher`] is dropped.
async fn run<S: Store>(store: S, mut waiting: mpsc::Receiver<Waiting<S>>, cap: usize) {
    let mut batch = Vec::with_capacity(cap);
    // Waits for one item, then takes what else is already queued, up to `cap`.
    while waiting.recv_many(&mut batch, cap).await > 0 {
        let (items, answers): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        // A panic must not end the writer (every later request would be refused): the
        // batch's answers are dropped with it, so its waiters hear `Gone`.
        let written = std::panic::AssertUnwindSafe(write_batch(&store, items, answers))
            .catch_unwind()
            .await;
        if written.is_err() {
            tracing::error!("writing a batch of webhook deliveries panicked");
        }
    }
}

async fn write_batch<S: Store>(
    store: &S,
    items: Vec<S::Item>,
    answers: Vec<oneshot::Sender<Answer<S>>>,
) {
    let error = match store.write(&items).await {
        Ok(outputs) => {
            debug_assert_eq!(outputs.len(), items.len(), "one output per item");
            for (answer, output) in answers.into_iter().zip(outputs) {
                // A waiter that left has nobody to tell.
                let _ = answer.send(Ok(output));
            }
            return;
        }
        Err(e) => e,
    };
    if items.len() == 1 || !S::per_item(&error) {
        let error = Arc::new(error);
        for answer in answers {
            let _ = answer.send(Err(Failed::Write(error.clone())));
        }
        return;
    }
    tracing::warn!(error = %error, items = items.len(), "a batch failed; writing its items one by one");
    // Once one of them fails as all would (the database went away meanwhile), the rest
    // are not tried: each could wait out a timeout.
    let mut failing_all: Option<Arc<S::Error>> = None;
    for (item, answer) in items.iter().zip(answers) {
        let result = match &failing_all {
            Some(e) => Err(Failed::Write(e.clone())),
            None => match store.write(std::slice::from_ref(item)).await {
                Ok(mut output) => output.pop().ok_or(Failed::Gone),
                Err(e) => {
                    let e = Arc::new(e);
                    if !S::per_item(&e) {
                        failing_all = Some(e.clone());
                    }
                    Err(Failed::Write(e))
                }
            },
        };
        let _ = answer.send(result);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;

    /// Records each write's items; fails a batch holding an odd number, panics on 13,
    /// fails every write while `down` and 99 alone as if the database had gone away; waits
    /// at `gate` while it is closed.
    #[derive(Default)]
    struct Fake {
        entered: Arc<std::sync::atomic::AtomicUsize>,
        writes: Arc<Mutex<Vec<Vec<u32>>>>,
        gate: Arc<tokio::sync::RwLock<()>>,
        down: Arc<std::sync::atomic::AtomicBool>,
    }

    #[derive(Debug)]
    enum FakeError {
        Odd(u32),
        Down,
    }

    impl std::fmt::Display for FakeError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{self:?}")
        }
    }

    impl Store for Fake {
        type Item = u32;
        type Output = u32;
        type Error = FakeError;
        fn write<'a>(&'a self, items: &'a [u32]) -> BoxFuture<'a, Result<Vec<u32>, FakeError>> {
            Box::pin(async move {
                self.entered
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _open = self.gate.read().await;
                self.writes.lock().unwrap().push(items.to_vec());
                assert!(!items.contains(&13), "thirteen");
                if self.down.load(std::sync::atomic::Ordering::SeqCst) || items == [99] {
                    return Err(FakeError::Down);
                }
                if let Some(odd) = items.iter().find(|i| *i % 2 == 1) {
                    return Err(FakeError::Odd(*odd));
                }
                Ok(items.iter().map(|i| i * 10).collect())
            })
        }
        fn per_item(error: &FakeError) -> bool {
            matches!(error, FakeError::Odd(_))
        }
    }

    /// Submits `items` while the writer is held at the gate after taking `first`, so that
    /// they queue up behind it; returns their answers once the gate opens.
    async fn queued_behind(
        cap: usize,
        first: u32,
        items: Vec<u32>,
        fake: Fake,
    ) -> (Vec<Answer<Fake>>, Vec<Vec<u32>>) {
        let (writes, entered) = (fake.writes.clone(), fake.entered.clone());
        let gate = fake.gate.clone();
        let closed = gate.write().await;
        let b = Batcher::start(fake, cap);
        let lead = tokio::spawn({
            let b = b.clone();
            async move { b.submit(first).await }
        });
        // Until the writer has taken `first` and waits at the gate.
        while entered.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let rest: Vec<_> = items
            .into_iter()
            .map(|i| {
                let b = b.clone();
                tokio::spawn(async move { b.submit(i).await })
            })
            .collect();
        // Until they all wait in the queue (or for a place in it).
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(closed);
        let mut answers = vec![lead.await.unwrap()];
        for r in rest {
            answers.push(r.await.unwrap());
        }
        let writes = writes.lock().unwrap().clone();
        (answers, writes)
    }

    fn ok(a: &Answer<Fake>) -> Option<u32> {
        a.as_ref().ok().copied()
    }

    #[tokio::test]
    async fn a_lone_item_is_written_at_once_in_a_batch_of_its_own() {
        let fake = Fake::default();
        let writes = fake.writes.clone();
        let b = Batcher::start(fake, 256);
        let answer = tokio::time::timeout(Duration::from_secs(5), b.submit(4))
            .await
            .expect("not delayed");
        assert_eq!(ok(&answer), Some(40));
        assert_eq!(*writes.lock().unwrap(), vec![vec![4]]);
    }

    #[tokio::test]
    async fn items_queued_together_are_one_write_up_to_the_cap() {
        let items: Vec<u32> = (1..=6).map(|i| i * 2).collect();
        let (answers, writes) = queued_behind(4, 0, items, Fake::default()).await;
        let got: Vec<_> = answers.iter().map(ok).collect();
        let want: Vec<_> = [0, 2, 4, 6, 8, 10, 12].map(|i| Some(i * 10)).to_vec();
        assert_eq!(got, want);
        assert_eq!(writes[0], vec![0]);
        // Behind the first write: at most the cap each, everything queued taken at once.
        let sizes: Vec<_> = writes[1..].iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![4, 2], "{writes:?}");
        let mut all: Vec<_> = writes.concat();
        all.sort_unstable();
        assert_eq!(all, vec![0, 2, 4, 6, 8, 10, 12], "each written once");
    }

    #[tokio::test]
    async fn one_failing_item_fails_alone() {
        let (answers, writes) = queued_behind(16, 0, vec![2, 3, 4], Fake::default()).await;
        assert_eq!(ok(&answers[0]), Some(0));
        assert_eq!(ok(&answers[1]), Some(20));
        assert!(
            matches!(&answers[2], Err(Failed::Write(e)) if matches!(**e, FakeError::Odd(3))),
            "{:?}",
            answers[2]
        );
        assert_eq!(ok(&answers[3]), Some(40));
        assert_eq!(
            writes,
            vec![vec![0], vec![2, 3, 4], vec![2], vec![3], vec![4]]
        );
    }

    #[tokio::test]
    async fn a_failure_of_the_database_is_every_items_answer_without_retries() {
        let fake = Fake::default();
        let down = fake.down.clone();
        down.store(true, std::sync::atomic::Ordering::SeqCst);
        let (answers, writes) = queued_behind(16, 0, vec![2, 4, 6], fake).await;
        for a in &answers {
            assert!(
                matches!(a, Err(Failed::Write(e)) if matches!(**e, FakeError::Down)),
                "{a:?}"
            );
        }
        assert_eq!(
            writes,
            vec![vec![0], vec![2, 4, 6]],
            "no write item by item"
        );
    }

    #[tokio::test]
    async fn item_by_item_stops_at_a_failure_of_the_database() {
        let (answers, writes) = queued_behind(16, 0, vec![2, 99, 4, 6], Fake::default()).await;
        assert_eq!(ok(&answers[0]), Some(0));
        assert_eq!(ok(&answers[1]), Some(20));
        for a in &answers[2..] {
            assert!(
                matches!(a, Err(Failed::Write(e)) if matches!(**e, FakeError::Down)),
                "{a:?}"
            );
        }
        assert_eq!(
            writes,
            vec![vec![0], vec![2, 99, 4, 6], vec![2], vec![99]],
            "4 and 6 not tried"
        );
    }

    #[tokio::test]
    async fn a_panicking_batch_answers_gone_and_the_writer_goes_on() {
        let (answers, writes) = queued_behind(16, 0, vec![2, 13, 4], Fake::default()).await;
        assert_eq!(ok(&answers[0]), Some(0));
        for a in &answers[1..] {
            assert!(matches!(a, Err(Failed::Gone)), "{a:?}");
        }
        assert_eq!(writes, vec![vec![0], vec![2, 13, 4]]);
    }

    #[tokio::test]
    async fn a_waiter_that_left_stalls_nothing() {
        let fake = Fake::default();
        let writes = fake.writes.clone();
        let gate = fake.gate.clone();
        let closed = gate.write().await;
        let b = Batcher::start(fake, 16);
        // Gives up while its item waits at the gate (its client went away).
        let gave_up = tokio::time::timeout(Duration::from_millis(50), b.submit(2)).await;
        assert!(gave_up.is_err());
        let later = tokio::spawn({
            let b = b.clone();
            async move { b.submit(4).await }
        });
        drop(closed);
        let answer = tokio::time::timeout(Duration::from_secs(5), later)
            .await
            .expect("answered")
            .unwrap();
        assert_eq!(ok(&answer), Some(40));
        let mut all = writes.lock().unwrap().concat();
        all.sort_unstable();
        assert_eq!(all, vec![2, 4], "the left item was still written");
    }

    #[test]
    fn without_a_writer_a_submission_is_refused_not_left_waiting() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap()
        };
        let (queue, waiting) = mpsc::channel(1);
        drop(waiting);
        let closed = Batcher::<Fake> { queue };
        // The writer's runtime gone (a test's, or the server's at exit) ends the writer.
        let first = runtime();
        let ended = first.block_on(async { Batcher::start(Fake::default(), 4) });
        drop(first);
        runtime().block_on(async {
            for b in [closed, ended] {
                let answer = tokio::time::timeout(Duration::from_secs(5), b.submit(2))
                    .await
                    .expect("not left waiting");
                assert!(matches!(answer, Err(Failed::Gone)), "{answer:?}");
            }
        });
    }
}
