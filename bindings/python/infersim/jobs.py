"""Engine calls off the event loop: a bounded pool for requests answered at once and a
bounded queue of jobs (submit, follow, fetch, cancel) for long ones (docs/serving.md).

The engine releases the GIL while it runs, so threads run engine calls in parallel. Every
call gets a progress callback; raising in it is how the engine is stopped, within a wave
of paths: that is how a job is cancelled and how a request past its time limit ends.
"""

from __future__ import annotations

import collections
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

__all__ = ["Busy", "CallPool", "Cancelled", "Job", "JobQueue", "TimedOut", "Tracker"]


class Busy(Exception):
    """The pool or the job queue is full (HTTP 429 with Retry-After)."""


class Cancelled(Exception):
    """Raised in the progress callback of a cancelled job; the engine stops."""


class TimedOut(Exception):
    """Raised in the progress callback once a call has run past its time limit."""

    def __init__(self, limit_s: float) -> None:
        super().__init__(f"stopped after the {limit_s:g} s time limit; submit a job (POST /api/jobs/...) "
                         "for long runs, or ask for fewer paths")
        self.limit_s = limit_s


class Tracker:
    """The progress callback of one engine call: records (done, total), raises Cancelled
    once cancel() was called and TimedOut past the deadline."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.deadline = time.monotonic() + limit_s
        self.done = 0
        self.total = 0
        self._cancel = threading.Event()

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self._cancel.is_set():
            raise Cancelled()
        if time.monotonic() > self.deadline:
            raise TimedOut(self.limit_s)

    def cancel(self) -> None:
        self._cancel.set()


@dataclass
class Job:
    """A long engine call: its state, its progress and, once done, its JSON text."""

    id: str
    kind: str
    tracker: Tracker
    status: str = "queued"  # queued, running, done, failed, cancelled
    created: float = field(default_factory=time.time)
    started: Optional[float] = None
    finished: Optional[float] = None
    result: Optional[str] = None  # JSON text
    error: Optional[str] = None
    error_status: int = 0  # the HTTP status the error maps to

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "done": self.tracker.done,
            "total": self.tracker.total,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "error": self.error,
        }

    @property
    def over(self) -> bool:
        return self.status in ("done", "failed", "cancelled")


class JobQueue:
    """At most `capacity` jobs queued or running, `workers` of them at once; finished jobs
    are kept (newest `keep`) until fetched or evicted."""

    def __init__(self, workers: int, capacity: int, keep: int = 64) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="infersim-job")
        self._capacity = capacity
        self._keep = keep
        self._jobs: collections.OrderedDict[str, Job] = collections.OrderedDict()
        self._lock = threading.Lock()

    def submit(self, kind: str, call: Callable[[Tracker], str], limit_s: float,
               error_status: Callable[[BaseException], tuple[int, str]]) -> Job:
        """Queue `call(tracker) -> JSON text`; Busy when `capacity` jobs are pending."""
        with self._lock:
            pending = sum(not j.over for j in self._jobs.values())
            if pending >= self._capacity:
                raise Busy(f"{pending} jobs are queued or running (the limit is {self._capacity})")
            job = Job(id=uuid.uuid4().hex[:16], kind=kind, tracker=Tracker(limit_s))
            self._jobs[job.id] = job
            self._evict()
        self._pool.submit(self._run, job, call, error_status)
        return job

    def _run(self, job: Job, call: Callable[[Tracker], str],
             error_status: Callable[[BaseException], tuple[int, str]]) -> None:
        with self._lock:
            if job.status != "queued":  # cancelled while it waited
                return
            job.status, job.started = "running", time.time()
            # The time limit counts from the start, not from the submission.
            job.tracker.deadline = time.monotonic() + job.tracker.limit_s
        try:
            text = call(job.tracker)
        except Cancelled:
            self._finish(job, "cancelled")
        except BaseException as err:  # every failure is reported, none kills the worker
            status, message = error_status(err)
            self._finish(job, "failed", error=message, error_status=status)
        else:
            self._finish(job, "done", result=text)

    def _set(self, job: Job, **values: Any) -> None:
        with self._lock:
            for k, v in values.items():
                setattr(job, k, v)

    def _finish(self, job: Job, status: str, **values: Any) -> None:
        self._set(job, status=status, finished=time.time(), **values)

    def _evict(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.over]
        for job_id in finished[: max(0, len(finished) - self._keep)]:
            del self._jobs[job_id]

    def get(self, job_id: str) -> Optional[Job]:
        with self._lock:
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> Optional[Job]:
        """Stop a job: a queued one never starts, a running one stops within a wave of
        paths (a call that reports no progress runs to its end)."""
        job = self.get(job_id)
        if job is not None:
            job.tracker.cancel()
            with self._lock:
                if job.status == "queued":
                    job.status, job.finished = "cancelled", time.time()
        return job

    def list(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def shutdown(self) -> None:
        for job in self.list():
            job.tracker.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)


class CallPool:
    """Engine calls answered within the request: `workers` at once, at most `capacity`
    running or waiting (Busy beyond)."""

    def __init__(self, workers: int, capacity: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="infersim-call")
        self._capacity = capacity
        self._pending = 0
        self._lock = threading.Lock()

    def submit(self, call: Callable[[], Any]) -> Future:
        with self._lock:
            if self._pending >= self._capacity:
                raise Busy(f"{self._pending} requests are running or waiting (the limit is {self._capacity})")
            self._pending += 1
        try:
            future = self._pool.submit(call)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(lambda _: self._release())
        return future

    def _release(self) -> None:
        with self._lock:
            self._pending -= 1

    @property
    def pending(self) -> int:
        return self._pending

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
