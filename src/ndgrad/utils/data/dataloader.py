"""``DataLoader``: batches from a dataset, in order or shuffled, optionally prefetched by workers.

Workers are threads, not processes. With ``num_workers > 0`` that many daemon threads load and
collate batches ahead of the training loop (up to
``num_workers * prefetch_factor`` batches in flight), and the loader yields them in the sampler's
order, so a run gives exactly the batches that ``num_workers=0`` gives. Why threads: the dataset
and collate function need not be picklable, nothing is copied between processes, CuPy arrays
and the shared random generator work unchanged, and the heavy parts of loading (NumPy, file
reading, image decoding) release the GIL. Pure-Python ``__getitem__`` code does not run in
parallel; for that, precompute into arrays. ``worker_init_fn(worker_id)`` runs once in each worker
thread, where ``get_worker_info()`` describes the worker. An ``IterableDataset`` is read by a
single background thread (its iterator is not thread-safe), so unlike PyTorch's worker
processes it is never duplicated and needs no sharding. ``pin_memory`` is accepted and does
nothing (there is no pinned host memory on NumPy).

An error in a worker is re-raised in the loop with its type kept and the worker and indices
named ("Caught ValueError in DataLoader worker thread 0 (loading indices [2, 3])", as PyTorch).
``timeout`` raises on time even if a worker hangs for good (the stuck thread is abandoned, never
joined). Persistent workers stop when their loader is garbage-collected.
"""

from __future__ import annotations

import itertools
import queue
import threading
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from ndgrad.ops.random import Generator, default_generator
from ndgrad.utils.data._collate import default_collate, default_convert
from ndgrad.utils.data.dataset import Dataset, IterableDataset
from ndgrad.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

T_co = TypeVar("T_co", covariant=True)

__all__ = ["DataLoader", "get_worker_info", "WorkerInfo"]

_END = object()  # marks the end of an iterable dataset's stream


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker thread knows about itself (``get_worker_info()`` inside a worker)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_local = threading.local()


def get_worker_info() -> WorkerInfo | None:
    """The current worker's ``WorkerInfo``, or None in the main thread."""
    return getattr(_local, "info", None)


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style ``Dataset`` (or anything with ``__getitem__`` and ``__len__``) or an
            ``IterableDataset``.
        batch_size: samples per batch; None turns batching off (each sample is converted).
        shuffle: reshuffle the indices every epoch (a ``RandomSampler``).
        sampler: the order of indices (excludes ``shuffle``).
        batch_sampler: yields lists of indices (excludes batch_size, shuffle, sampler, drop_last).
        num_workers: threads that load batches ahead (0: load in the main thread).
        collate_fn: merges a list of samples into a batch (default ``default_collate``).
        pin_memory: accepted for compatibility; does nothing.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        timeout: seconds to wait for a worker's batch (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker thread.
        generator: the random generator for shuffling (default: the global one).
        prefetch_factor: batches loaded ahead per worker (default 2 when num_workers > 0).
        persistent_workers: keep the worker threads between epochs.

    Example:
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
        ...                     generator=ndgrad.Generator().manual_seed(0))
        >>> for xb, yb in loader:
        ...     ...
    """

    def __init__(
        self,
        dataset: Dataset[T_co] | Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable[Any] | None = None,
        batch_sampler: Sampler | Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 "
                "to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            # an iterable dataset decides its own order: no shuffling, no samplers
            given = {"shuffle": shuffle or None, "sampler": sampler, "batch_sampler": batch_sampler}
            for name, value in given.items():
                if value is not None:
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        "but got "
                        f"{name}={value}"
                    )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and "
                    "drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        if sampler is None and not self._iterable:
            sized: Any = dataset
            sampler = (
                RandomSampler(sized, generator=generator) if shuffle else SequentialSampler(sized)
            )
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.multiprocessing_context = multiprocessing_context
        auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self._auto_collation = auto_collation
        if collate_fn is None:
            collate_fn = default_collate if auto_collation else default_convert
        self.collate_fn: Callable[[Any], Any] = collate_fn
        self._pool: _WorkerPool | None = None

    # -- iteration ------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        # like PyTorch, every epoch draws the workers' base seed from the loader's generator, with
        # or without workers, so num_workers never changes what the sampler draws after it
        self._base_seed = int((self.generator or default_generator).rng.integers(2**62))
        if self._iterable:
            batches = self._iterable_batches()
            if self.num_workers == 0:
                return batches
            # one thread pulls from the (not thread-safe) iterator, ahead of the training loop
            pulls = (
                (partial(next, batches, _END), f"batch {i} of the IterableDataset")
                for i in itertools.count()
            )
            return self._prefetch(pulls, self._make_pool(1), owned=True)
        indices = iter(self.batch_sampler if self._auto_collation else self.sampler)  # type: ignore[arg-type]
        if self.num_workers == 0:
            return (self._fetch(idx) for idx in indices)
        tasks = ((partial(self._fetch, idx), _describe(idx)) for idx in indices)
        if not self.persistent_workers:
            return self._prefetch(tasks, self._make_pool(self.num_workers), owned=True)
        if self._pool is None:
            self._pool = self._make_pool(self.num_workers)
            # the threads hold no reference to the loader, so it can be collected; then they stop
            weakref.finalize(self, self._pool.shutdown)
        return self._prefetch(tasks, self._pool, owned=False)

    def _fetch(self, index: Any) -> Any:
        """Load and collate one batch (a list of indices), or convert one sample."""
        try:
            if not self._auto_collation:
                return self.collate_fn(self.dataset[index])
            getitems = getattr(self.dataset, "__getitems__", None)
            samples = getitems(index) if getitems is not None else [self.dataset[i] for i in index]
            return self.collate_fn(samples)
        except Exception as e:
            if get_worker_info() is None and hasattr(e, "add_note"):  # Python 3.11+
                e.add_note(
                    f"(raised by the DataLoader loading {_describe(index)} in the main thread)"
                )
            raise

    def _iterable_batches(self) -> Iterator[Any]:
        it = iter(self.dataset)
        if not self._auto_collation:
            for sample in it:
                yield self.collate_fn(sample)
            return
        assert self.batch_size is not None
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def _make_pool(self, n: int) -> _WorkerPool:
        # bind what the workers need to locals: a closure over self would keep the loader alive
        dataset, worker_init_fn, base_seed = self.dataset, self.worker_init_fn, self._base_seed

        def init(wid: int) -> None:
            _local.info = WorkerInfo(id=wid, num_workers=n, seed=base_seed + wid, dataset=dataset)
            if worker_init_fn is not None:
                worker_init_fn(wid)

        return _WorkerPool(n, init)

    def _prefetch(
        self, tasks: Iterator[tuple[Callable[[], Any], str]], pool: _WorkerPool, owned: bool
    ) -> Iterator[Any]:
        """Run ``tasks`` on ``pool`` keeping up to ``num_workers * prefetch_factor`` in flight, and
        yield their results in order."""
        ahead = max(1, self.num_workers * (self.prefetch_factor or 1))
        pending: deque[_Task] = deque(pool.submit(*t) for t in itertools.islice(tasks, ahead))
        try:
            while pending:
                task = pending.popleft()
                try:
                    batch = task.future.result(timeout=self.timeout or None)
                except FutureTimeout:
                    raise RuntimeError(
                        f"DataLoader timed out after {self.timeout} seconds {task.status()}"
                    ) from None
                if batch is _END:
                    return
                for t in itertools.islice(tasks, 1):
                    pending.append(pool.submit(*t))
                yield batch
        finally:
            for task in pending:
                task.future.cancel()
            if owned:
                pool.shutdown()  # never waits: a hung worker must not hang the training loop

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self.batch_sampler if self._auto_collation else self.sampler)  # type: ignore[arg-type]


def _describe(index: Any) -> str:
    """'index 3' or 'indices [0, 1, 2, 3]' (long lists cut), for error messages."""
    if isinstance(index, list):
        shown = ", ".join(map(str, index[:8])) + (", ..." if len(index) > 8 else "")
        return f"indices [{shown}]"
    return f"index {index!r}"


class _Task:
    """One batch to load: the call, what it loads (for messages), its future and its worker."""

    __slots__ = ("fn", "what", "future", "worker")

    def __init__(self, fn: Callable[[], Any], what: str) -> None:
        self.fn: Callable[[], Any] | None = fn
        self.what = what
        self.future: Future[Any] = Future()
        self.worker: int | None = None

    def status(self) -> str:
        if self.worker is None:
            return f"waiting for {self.what}, which no worker has started (all are busy)"
        return f"waiting for worker {self.worker}, which is loading {self.what}"


class _WorkerPool:
    """``n`` daemon threads taking tasks from a queue. Daemon threads and a shutdown that never
    joins: a worker stuck in ``__getitem__`` can't hang the loop or the interpreter's exit."""

    def __init__(self, n: int, init: Callable[[int], None]) -> None:
        self.queue: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self.n = n
        for wid in range(n):
            name = f"ndgrad-dataloader-{wid}"
            threading.Thread(
                target=_work, args=(self.queue, wid, init), name=name, daemon=True
            ).start()

    def submit(self, fn: Callable[[], Any], what: str) -> _Task:
        task = _Task(fn, what)
        self.queue.put(task)
        return task

    def shutdown(self) -> None:
        for _ in range(self.n):
            self.queue.put(None)


def _work(tasks: queue.SimpleQueue[_Task | None], wid: int, init: Callable[[int], None]) -> None:
    """A worker thread: run ``init``, then tasks until told to stop; an error is re-raised in the
    training loop with the worker and the indices named, as PyTorch's "Caught ... in DataLoader
    worker process 0" does."""
    try:
        init(wid)
        init_error = None
    except Exception as e:  # every task fails with it, so the loop sees it
        init_error = e
    while True:
        task = tasks.get()
        if task is None:
            return
        if task.future.set_running_or_notify_cancel():
            task.worker = wid
            try:
                if init_error is not None:
                    raise init_error
                assert task.fn is not None
                task.future.set_result(task.fn())
            except Exception as e:
                task.future.set_exception(_in_worker(e, wid, task.what))
        task.fn = None  # drop the call (it refers to the loader) as soon as it has run
        del task


def _in_worker(e: Exception, wid: int, what: str) -> Exception:
    """The error re-raised in the training loop: the same type, with where it happened."""
    text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    msg = (
        f"Caught {type(e).__name__} in DataLoader worker thread {wid} "
        f"(loading {what}).\nOriginal {text}"
    )
    try:
        return type(e)(msg)
    except Exception:  # an exception type whose constructor wants other arguments
        return RuntimeError(msg)
