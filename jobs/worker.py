"""The worker class Banshi runs."""

from __future__ import annotations

from rq import SimpleWorker, Worker


class _NoPubSub:
    """Skip RQ's pub/sub command channel.

    It only carries dashboard commands (stop a job, shut down a worker); signals do
    the same. After a Redis restart, redis-py's pub/sub reconnect deadlocked RQ's
    teardown here (the soak benchmark caught a worker hanging in `unsubscribe`
    forever), which is worse than losing remote commands.
    """

    def subscribe(self) -> None:
        self.pubsub = None
        self.pubsub_thread = None

    def unsubscribe(self) -> None:
        return None


class InProcessWorker(_NoPubSub, SimpleWorker):
    """Runs jobs in the worker process: ~5x the throughput of forking per job."""


class ForkingWorker(_NoPubSub, Worker):
    """Forks a work horse per job: isolation for jobs that might leak or crash the interpreter."""
