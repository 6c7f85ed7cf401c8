"""One way to run backtest work on Ray: this machine's cores, or a Ray cluster.

Optimisation trials and batch backtests both go through it. Tasks take one CPU each and
their answers come back in the order the tasks were given, whichever finishes first; what
every task shares (the candles of a search) goes into Ray's object store once, and each
worker process copies it out once and keeps it for the tasks that follow.
"""

from __future__ import annotations

import copy
import logging
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

# Under `uv run` (the README's commands) Ray would pack the current folder and start its
# workers from that copy in an environment it sets up itself, where the compiled modules do
# not load: every trial ran the pure-Python path, a local search on two cores slower than
# one process. The workers run this environment (a cluster, its own); Ray reads the setting
# when it is imported, and RAY_ENABLE_UV_RUN_RUNTIME_ENV=1 gives its behaviour back.
os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")

import ray  # after the setting above, which it reads

CONNECT_TIMEOUT_S = 10
KEEP_SHARED = 2  # values a worker keeps copied out of the store (a search's candles)
Item = TypeVar("Item")
Answer = TypeVar("Answer")

# In a worker process: shared values by their object's id, copied out of the object store.
_copied: dict[str, object] = {}


def _copy_out(box: list[Any]) -> object:
    """Return this worker's own copy of a shared value, made at its first task."""
    # The arrays Ray hands out are read-only views into shared memory; a trial reading
    # them there ran about 5 % slower than on the process's own heap, and deserialising
    # the value again for every task costs too. A box keeps Ray from resolving the
    # reference, so the worker does it once.
    reference = box[0]
    key = reference.hex()
    value = _copied.get(key)
    if value is None:
        value = copy.deepcopy(ray.get(reference))
        while len(_copied) >= KEEP_SHARED:
            del _copied[next(iter(_copied))]
        _copied[key] = value
    return value


def _call(function: Callable[..., Answer], item: object, boxes: Sequence[list[Any]]) -> Answer:
    """Run one task in a worker, with its copies of the shared values."""
    return function(item, *(_copy_out(box) for box in boxes))


class RayPool:
    """A Ray instance started here, or a cluster joined, for as long as the pool is open."""

    def __init__(self, address: str | None, workers: int | None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"--workers must be at least 1 to run on Ray, not {workers}")
        if address is not None:
            _check_answers(address)
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
            # Ray leaves cluster_resources unannotated.
            resources = ray.cluster_resources()  # type: ignore[no-untyped-call]
            cpus = int(resources.get("CPU", 0))
            self.description = f"on the Ray cluster at {address} ({cpus} CPUs)"
        else:
            cpus = workers or os.cpu_count() or 1
            ray.init(
                num_cpus=cpus,
                include_dashboard=False,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
            self.description = f"on a local Ray instance ({cpus} CPUs)"

    def share(self, value: object) -> Any:
        """Put a value every task reads into the object store, once; return its reference."""
        return ray.put(value)

    def map(
        self,
        function: Callable[..., Answer],
        items: Sequence[Item],
        *shared: Any,
        failed: Callable[[Item, Exception], Answer] | None = None,
    ) -> Iterator[Answer]:
        """Run `function(item, *shared)` for every item at once; yield answers in item order.

        With `failed`, a task that dies (its worker lost, an error it did not catch) gives
        `failed(item, error)` instead of ending the whole run.
        """
        remote: Any = ray.remote(num_cpus=1)(_call)
        boxes = [[reference] for reference in shared]
        pending = [remote.remote(function, item, boxes) for item in items]
        for item, reference in zip(items, pending, strict=True):
            try:
                answer: Answer = ray.get(reference)
            except ray.exceptions.RayError as error:
                if failed is None:
                    raise
                answer = failed(item, error)
            yield answer

    def close(self) -> None:
        """Disconnect from Ray; a local instance stops with it."""
        ray.shutdown()


def _check_answers(address: str) -> None:
    """Raise ConnectionError unless something listens at the address (host:port)."""
    # Ray itself waits minutes for a cluster that is not there before it gives up.
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--ray-address {address!r} is not host:port")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        raise ConnectionError(
            f"--ray-address {address}: no Ray cluster answers there ({error})"
        ) from None
