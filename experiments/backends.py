"""Where a sweep's runs execute: in this process, on a local process pool, or on Dask.

Every backend runs the same :class:`experiments.outputs.Runner` on the same tasks; a run depends
only on its scenario and seed, so results are identical bit for bit whatever the backend and
the number of workers (the store sorts by run_id). Workers receive the runner once, import the
model before the first task (so start-up is not part of the per-run cost) and take tasks in
small chunks; at most a few chunks per worker are in flight, so memory stays flat.

Importing Mesa switches the process-wide multiprocessing start method to ``spawn``; the process
pool asks for the ``spawn`` context explicitly, so it behaves the same whether or not Mesa has
been imported, on every platform.

:func:`execute` runs a sweep into a store: it creates or resumes the store, runs the missing
runs on a backend with a progress bar on stderr, and returns a :class:`SweepReport`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from experiments.outputs import Runner, RunRecord, RunTask, model_code_hash
from experiments.sensitivity import salib_manifest
from experiments.store import Store, runs_schema
from experiments.sweep import Design, SweepSpec, iter_tasks, make_design, run_seeds
from sim.atomic import missing_folders, remove_empty_folders
from sim.errors import EnvironmentFailure, UserError, suggest

CHUNKS_IN_FLIGHT_PER_WORKER = 2
MAX_CHUNK_RUNS = 8


def available_cores() -> int:
    """Cores this process may use (its CPU affinity where the platform reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class Backend(Protocol):
    """Runs chunks of tasks and yields their records as they finish, in any order."""

    name: str
    workers: int

    def start(self, runner: Runner) -> None: ...

    def map_unordered(self, chunks: Iterable[Sequence[RunTask]]) -> Iterator[list[RunRecord]]: ...

    def close(self) -> None: ...


class SerialBackend:
    """Runs every task in this process, one after the other."""

    name = "serial"
    workers = 1

    def start(self, runner: Runner) -> None:
        self.runner = runner
        runner.warm_up()

    def map_unordered(self, chunks: Iterable[Sequence[RunTask]]) -> Iterator[list[RunRecord]]:
        for chunk in chunks:
            yield self.runner.run_chunk(chunk)

    def close(self) -> None:
        pass


# ---- process pool ------------------------------------------------------------------------

_WORKER_RUNNER: Runner | None = None


PARENT_POLL_SECONDS = 0.5
"""How often a pool worker checks that the process that started it is still alive [s]."""


def _exit_with_parent(parent_pid: int, poll_seconds: float = PARENT_POLL_SECONDS) -> None:
    """Start a daemon thread that ends this process (``os._exit``) once its parent is gone, so
    that a SIGKILLed sweep leaves no worker behind (a worker's parent changes when the parent
    dies: it is re-parented to init or a subreaper)."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _init_worker(runner: Runner, parent_pid: int | None = None) -> None:
    """Pool initializer: watch the parent, keep the runner and import the model, once per
    worker process."""
    global _WORKER_RUNNER
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    _WORKER_RUNNER = runner
    runner.warm_up()


def _worker_ready() -> int:
    return os.getpid()


def _worker_run_chunk(tasks: Sequence[RunTask]) -> list[RunRecord]:
    if _WORKER_RUNNER is None:
        raise RuntimeError("worker used before its initializer ran")
    return _WORKER_RUNNER.run_chunk(tasks)


def _bounded(
    submit: Any, chunks: Iterable[Sequence[RunTask]], window: int
) -> Iterator[list[RunRecord]]:
    """Keep at most ``window`` chunks in flight; yield results as they complete."""
    pending: set[Future[list[RunRecord]]] = set()
    source = iter(chunks)
    for chunk in itertools.islice(source, window):
        pending.add(submit(chunk))
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield future.result()
            nxt = next(source, None)
            if nxt is not None:
                pending.add(submit(nxt))


MAIN_GUARD_HINT = (
    "worker processes re-import the script that started them, so a script that runs a "
    "sweep with workers > 1 must run it under 'if __name__ == \"__main__\":' (or use "
    "workers=1)"
)


def _in_worker_start_up() -> bool:
    """Whether this is a spawned worker still importing its parent's main script."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


class ProcessBackend:
    """A pool of ``workers`` local processes started with the ``spawn`` method."""

    name = "process"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or available_cores()
        self._pool: ProcessPoolExecutor | None = None

    def start(self, runner: Runner) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(runner, os.getpid()),
        )
        # start every worker and let it import the model before the clock starts
        for future in wait([self._pool.submit(_worker_ready) for _ in range(self.workers)]).done:
            try:
                future.result()
            except BrokenProcessPool:  # most often a script without a main guard
                self.close()
                raise UserError(
                    f"the worker processes stopped while starting: {MAIN_GUARD_HINT}"
                ) from None
            except Exception as exc:  # a worker could not start (import, memory)
                self.close()
                raise EnvironmentFailure(
                    f"the worker processes could not start: {_one_line(exc)}"
                ) from None

    def map_unordered(self, chunks: Iterable[Sequence[RunTask]]) -> Iterator[list[RunRecord]]:
        if self._pool is None:
            raise RuntimeError("start() the backend first")
        pool = self._pool
        yield from _bounded(
            lambda c: pool.submit(_worker_run_chunk, c),
            chunks,
            CHUNKS_IN_FLIGHT_PER_WORKER * self.workers,
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# ---- Dask --------------------------------------------------------------------------------


def _dask_warm(simulate: str) -> int:
    from experiments.outputs import resolve_simulate

    resolve_simulate(simulate)
    return os.getpid()


def _dask_run_chunk(runner: Runner, tasks: Sequence[RunTask]) -> list[RunRecord]:
    return runner.run_chunk(tasks)


class DaskBackend:
    """A Dask distributed cluster: ``"local"`` starts a LocalCluster of ``workers`` single-thread
    processes on this machine; any other value is a scheduler address (``tcp://host:8786``),
    e.g. of a cluster started with dask-jobqueue, whose workers must have this package."""

    name = "dask"

    def __init__(self, cluster: str = "local", workers: int | None = None) -> None:
        if cluster != "local":
            check_address(cluster)  # a malformed address is refused before anything is written
        self.cluster_spec = cluster
        self.workers = workers or available_cores()
        self._client: Any = None
        self._cluster: Any = None

    def start(self, runner: Runner) -> None:
        from dask.distributed import Client, LocalCluster

        if self.cluster_spec != "local":
            check_scheduler(self.cluster_spec)
        try:
            if self.cluster_spec == "local":
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.cluster_spec, timeout="20s")
        except Exception as exc:  # unreachable, not an address, TLS without a configuration
            self.close()
            raise EnvironmentFailure(
                f"--cluster {self.cluster_spec}: cannot connect: {_one_line(exc)}"
            ) from None
        try:
            self._client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_SECONDS)
        except Exception:
            self.close()
            raise EnvironmentFailure(
                f"--cluster {self.cluster_spec}: the scheduler has no workers after "
                f"{WAIT_FOR_WORKERS_SECONDS:.0f} s; start some (dask worker ADDRESS)"
            ) from None
        self.workers = max(1, sum(self._client.nthreads().values()))
        self._client.run(_dask_warm, runner.simulate_path)
        self._runner = self._client.scatter(runner, broadcast=True, hash=False)

    def map_unordered(self, chunks: Iterable[Sequence[RunTask]]) -> Iterator[list[RunRecord]]:
        from dask.distributed import as_completed

        client = self._client
        window = CHUNKS_IN_FLIGHT_PER_WORKER * self.workers
        source = iter(chunks)
        first = [
            client.submit(_dask_run_chunk, self._runner, c, pure=False)
            for c in itertools.islice(source, window)
        ]
        queue = as_completed(first)
        for future in queue:
            result = future.result()
            future.release()
            yield result
            nxt = next(source, None)
            if nxt is not None:
                queue.add(client.submit(_dask_run_chunk, self._runner, nxt, pure=False))

    def close(self) -> None:
        """Disconnect, and stop a local cluster. Its scheduler and nannies run in this process
        and log, as they go, what they see of one another closing ("Worker process still alive
        after 4.0 seconds, killing" for a worker stopped mid-run by Ctrl-C, "broadcast ...
        failed: Stream is closed"): not news to a user who stopped the sweep, so Dask's
        messages below CRITICAL are held back until it is closed."""
        with _quiet("distributed"):
            if self._client is not None:
                self._client.close()
                self._client = None
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Only CRITICAL messages of ``logger_name`` (and its children) while inside."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


WAIT_FOR_WORKERS_SECONDS = 60.0
"""How long a sweep waits for a scheduler to have at least one worker [s]."""
PROBE_SECONDS = 5.0
"""How long the scheduler check waits for a connection and for its greeting [s]."""


def check_scheduler(address: str, timeout: float | None = None) -> None:
    """EnvironmentFailure (one line) unless ``address`` is a reachable Dask scheduler.

    For ``tcp://`` addresses it connects and reads the first 8 bytes: a Dask scheduler greets
    every new connection with a handshake whose first 8 bytes are a small frame count (little
    endian), while an HTTP server (the Dask dashboard on port 8787 is an easy mix-up) waits
    silently for a request. Other schemes (tls://, ws://) are left to Dask.
    """
    import socket
    import struct

    timeout = PROBE_SECONDS if timeout is None else timeout
    address, host, port = _parse_address(address)
    if host is None or port is None:
        return
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            greeting = b""
            while len(greeting) < 8:
                chunk = sock.recv(8 - len(greeting))
                if not chunk:
                    break
                greeting += chunk
    except TimeoutError:
        greeting = b""
    except OSError as exc:
        raise EnvironmentFailure(
            f"--cluster {address}: cannot connect: {exc.strerror or exc}"
        ) from None
    if len(greeting) < 8 or struct.unpack("<Q", greeting)[0] > 64:
        raise EnvironmentFailure(
            f"--cluster {address}: something answers there but it is not a Dask scheduler "
            "(the scheduler listens on port 8786 by default; 8787 is its dashboard)"
        )


def _parse_address(address: str) -> tuple[str, str | None, int | None]:
    """``address`` with its scheme (``tcp://`` if none), and for ``tcp://`` its host and port
    (None for other schemes, which are left to Dask); UserError if a tcp address lacks either."""
    from urllib.parse import urlsplit

    given = address
    if "://" not in address:
        address = "tcp://" + address
    parts = urlsplit(address)
    if parts.scheme != "tcp":
        return address, None, None
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number, or out of range
        host = port = None
    if not host or port is None:
        hint = "" if "://" in given else suggest(given.lower(), ["local"], cutoff=0.75)
        raise UserError(
            f"--cluster {given}: give an address such as tcp://host:8786, or 'local' for a "
            f"cluster on this machine{hint}"
        )
    return address, host, port


def check_address(address: str) -> None:
    """UserError (one line) unless ``address`` has the form of a scheduler address
    (``tcp://host:port``, ``host:port`` or another scheme's URL); nothing is contacted."""
    _parse_address(address)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def make_backend(workers: int | None = None, cluster: str | None = None) -> Backend:
    """The backend the CLI options ask for: Dask if ``cluster``, else processes (serial for 1)."""
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers}: must be at least 1")
    if workers is not None and workers > 1 and cluster in (None, "", "local"):
        from experiments.budget import check_workers

        check_workers(workers, available_cores())
    if cluster:
        return DaskBackend(cluster, workers)
    if workers == 1:
        return SerialBackend()
    return ProcessBackend(workers)


# ---- running a sweep into a store --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SweepReport:
    """What :func:`execute` did [counts of runs; seconds]."""

    out: Path
    n_runs: int
    done_before: int
    ran: int
    failed: int
    seconds: float
    startup_seconds: float
    backend: str
    workers: int

    @property
    def runs_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else float("nan")

    def summary(self) -> str:
        """One paragraph for the terminal."""
        if self.ran == 0:
            return f"all {_runs(self.n_runs)} were already in {self.out}; nothing to run"
        resumed = f" (resumed: {self.done_before} were done)" if self.done_before else ""
        failed = f", {self.failed} failed (see status and error)" if self.failed else ""
        return (
            f"{_runs(self.ran)} in {self.seconds:.1f} s ({self.runs_per_second:.2f} runs/s on "
            f"{self.workers} {self.backend} worker{'s' if self.workers > 1 else ''}, after "
            f"{self.startup_seconds:.1f} s start-up){failed}{resumed}; results in {self.out}"
        )


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def manifest_for(
    spec: SweepSpec, n_points: int, seeds: np.ndarray, fingerprint: str
) -> dict[str, Any]:
    """The manifest of a new store for ``spec``."""
    return {
        "kind": "sweep",
        "name": spec.name,
        "fingerprint": fingerprint,
        "sweep_file": spec.origin,
        "sweep_text": spec.text,
        "scenarios": list(spec.scenarios),
        "design": spec.design,
        "samples": spec.samples,
        "levels": spec.levels,
        "replications": spec.replications,
        "root_seed": spec.seed,
        "seeds": spec.seeds,
        "fixed": dict(spec.fixed),
        "factors": [dataclasses.asdict(f) for f in spec.factors],
        "series": list(spec.outputs.series),
        "metrics": spec.outputs.metric_columns,
        "simulate": spec.simulate,
        "model_code": model_code_hash(spec.simulate),
        "salib": salib_manifest(spec),
        "n_points": n_points,
        "n_runs": len(seeds),
        "run_seeds": seeds.tolist(),
    }


def _chunks(tasks: Iterator[RunTask], size: int) -> Iterator[list[RunTask]]:
    while chunk := list(itertools.islice(tasks, size)):
        yield chunk


def check_budget(spec: SweepSpec, n_runs: int, backend: Backend | None, *, force: bool) -> None:
    """:func:`experiments.budget.check_sweep` for the scenarios of ``spec`` with its fixed
    overrides (the factors' values are not looked at: the estimate is rough)."""
    from experiments.budget import check_sweep
    from sim.scenario import apply_overrides, from_dict

    scenarios = [
        from_dict(apply_overrides(raw, spec.fixed), origin=name)
        for name, raw in spec.raw_scenarios.items()
    ]
    workers = backend.workers if backend is not None else 1
    remote = isinstance(backend, DaskBackend) and backend.cluster_spec != "local"
    processes = 0 if remote else workers  # each holds a run in this machine's memory
    if isinstance(backend, ProcessBackend):  # more processes than cores run no faster
        workers = min(workers, available_cores())
    check_sweep(scenarios, n_runs, workers, force=force, processes=processes)


STORE_ENTRIES = {"manifest.json", "runs", "timeseries", "differences.csv", "figures", "sensitivity"}
"""What a sweep, compare or sensitivity command leaves in its folder (besides hidden locks)."""


def _written_by_a_command(name: str) -> bool:
    """Whether ``name`` is an entry that a sweep, compare or sensitivity command writes in its
    store: one of :data:`STORE_ENTRIES`, the store's lock, or the hidden lock, temporary and
    old copies of an entry (``.figures.lock``, ``.manifest.json.tmp``, ``.figures.tmp-PID``)."""
    if name in STORE_ENTRIES or name == ".lock":
        return True
    return any(
        name in (f".{entry}.tmp", f".{entry}.lock")
        or name.startswith((f".{entry}.tmp-", f".{entry}.old-"))
        for entry in STORE_ENTRIES
    )


def _drop_if_empty(store: Store) -> None:
    """Delete a store that holds no finished run (a start that failed or was interrupted before
    its first run was stored), so that the folder can be used for another sweep. Only an
    efficiency-race store holding nothing but what the commands write is deleted, checked again
    under its lock; a store with runs, or a folder with anything else, is left alone."""
    import shutil

    root = store.root

    def droppable() -> bool:
        return (
            store.is_ours()
            and not any((root / "runs").glob("part-*.parquet"))
            and all(_written_by_a_command(p.name) for p in root.iterdir())
        )

    if not droppable():
        return
    with store.locked():
        if not droppable():  # another process stored a run, or wrote a file, in between
            return
        for entry in root.iterdir():
            if entry.name == ".lock":
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        (root / ".lock").unlink(missing_ok=True)  # (while held: see Store.locked)


def open_store(spec: SweepSpec, design: Design, out: str | Path) -> Store:
    """Create the store of ``spec`` at ``out``, or open it; UserError if it holds another sweep."""
    fingerprint = spec.fingerprint()
    store = Store(out)
    if store.exists() and not store.is_ours():
        raise UserError(f"--out {store.not_ours()}; choose another --out")
    if store.exists() and store.manifest.get("fingerprint") != fingerprint:
        _drop_if_empty(store)
    if store.exists():
        if store.manifest.get("fingerprint") != fingerprint:
            if spec.origin == "compare":
                raise UserError(
                    f"--out {out} holds results of another comparison or sweep "
                    f"('{store.manifest.get('name')}'; other scenarios, --replications, "
                    "--years, --set, --seed, metrics or series, or changed scenario files); "
                    "choose another --out or delete it"
                )
            raise UserError(
                f"--out {out} holds results of another sweep ('{store.manifest.get('name')}', "
                "or this file or its scenarios have changed); choose another --out or delete it"
            )
        return store
    seeds = run_seeds(spec, len(design.points))
    return Store.create(out, manifest_for(spec, len(design.points), seeds, fingerprint))


def runs_done(store: Store, spec: SweepSpec, *, resume: bool) -> np.ndarray:
    """The mask of runs already in a store whose write lock this process holds.

    An unfinished store needs ``resume`` (so that a second start never mixes with a first by
    accident), and may not be resumed with other model code (its runs would not match).
    """
    if resume:
        store.clean_partial()
    done = store.done_mask()
    if done.all() or not done.any():  # finished, or nothing to mix with
        return done
    if not resume:
        raise UserError(
            f"--out {store.root} holds an unfinished run of this sweep ({int(done.sum())} of "
            f"{done.size} runs done); pass --resume to finish it"
        )
    if store.manifest.get("model_code") != model_code_hash(spec.simulate):
        raise UserError(
            f"--out {store.root} was started with other model code (sim/ or agents/ changed "
            "since); new runs would not match its runs: choose another --out or delete it"
        )
    return done


def execute(
    spec: SweepSpec,
    out: str | Path,
    *,
    backend: Backend | None = None,
    resume: bool = False,
    quiet: bool = False,
    flush_runs: int = 50,
    flush_seconds: float = 5.0,
    force: bool = False,
) -> SweepReport:
    """Run the runs of ``spec`` missing from the store at ``out`` on ``backend`` (serial if None).

    Refuses (UserError) more runs than a store holds, and without ``force`` a sweep estimated
    to take longer than a day (:mod:`experiments.budget`), before it writes anything. If it
    stops with an error before its first run is stored (a backend that cannot start, a cluster
    that cannot be reached), the store it made, and the folders it made for it, are removed
    again; a store that was there (one to ``resume``) is kept, as is one interrupted by Ctrl-C."""
    if _in_worker_start_up():  # a script without a main guard, re-imported by a worker
        raise SystemExit(f"effrace: this worker stops: {MAIN_GUARD_HINT}")
    design = make_design(spec)
    check_budget(spec, len(design.points) * spec.replications, backend, force=force)
    out = Path(out)
    new_folders = missing_folders(out)
    is_new = not Store(out).exists()
    try:
        store = open_store(spec, design, out)
    except OSError as exc:  # a read-only place, a full disk, a path that vanished
        if is_new:
            _remove_new_store(Store(out), new_folders)
        raise UserError(f"--out {out}: cannot create the store: {exc.strerror or exc}") from None
    try:
        with store.locked():
            done = runs_done(store, spec, resume=resume)
            return _run_missing(
                spec,
                design,
                store,
                done,
                backend or SerialBackend(),
                quiet,
                flush_runs,
                flush_seconds,
            )
    except Exception:  # refused or failed (not interrupted) before a run was stored
        if is_new:
            _remove_new_store(store, new_folders)
        raise


def _remove_new_store(store: Store, new_folders: list[Path]) -> None:
    """Leave the disk as it was before a sweep that stopped before its first run was stored:
    delete the store it created (:func:`_drop_if_empty`) and the folders it created for it,
    deepest first. A store with a run, another process's lock, or other files, is kept."""
    try:
        if store.root.is_dir():
            _drop_if_empty(store)
    except (UserError, OSError):  # another process holds it now, or it cannot be removed
        return
    remove_empty_folders(new_folders)


def _run_missing(
    spec: SweepSpec,
    design: Design,
    store: Store,
    done: np.ndarray,
    backend: Backend,
    quiet: bool,
    flush_runs: int,
    flush_seconds: float,
) -> SweepReport:
    seeds = np.asarray(store.manifest["run_seeds"], dtype=np.int64)
    n_runs, done_before = int(done.size), int(done.sum())
    todo = n_runs - done_before
    if todo == 0:
        return SweepReport(store.root, n_runs, done_before, 0, 0, 0.0, 0.0, backend.name, 0)
    if isinstance(backend, ProcessBackend):
        backend.workers = min(backend.workers, todo)  # no idle processes to start
    schema = runs_schema(design.points, spec.outputs.metric_columns)
    failed = ran = 0
    t0 = time.perf_counter()
    with store.writer(
        schema, spec.outputs.series, flush_runs=flush_runs, flush_seconds=flush_seconds
    ) as writer:
        try:
            backend.start(spec.runner())
            t1 = time.perf_counter()
            chunk = max(1, min(MAX_CHUNK_RUNS, todo // (backend.workers * 8)))
            tasks = _chunks(iter_tasks(spec, design, seeds, skip=done), chunk)
            with tqdm(
                total=n_runs,
                initial=done_before,
                unit="run",
                desc=spec.name,
                file=sys.stderr,
                disable=quiet,
                dynamic_ncols=True,
            ) as progress:
                results = backend.map_unordered(tasks)
                while True:
                    try:
                        records = next(results)
                    except StopIteration:
                        break
                    except Exception as exc:  # lost workers, a lost scheduler, a broken pool
                        writer.flush()
                        stored = done_before + writer.written
                        kept = (
                            f"{stored} of {n_runs} runs are stored in {store.root}: rerun the "
                            "same command with --resume to finish"
                            if stored
                            else "no run was stored: rerun the same command"
                        )
                        raise EnvironmentFailure(
                            f"the {backend.name} workers failed mid-sweep ({type(exc).__name__}: "
                            f"{_one_line(exc)}); {kept}"
                        ) from None
                    for record in records:
                        writer.add(record)
                        failed += record.row["status"] != "ok"
                    ran += len(records)
                    progress.update(len(records))
        finally:
            backend.close()
    t2 = time.perf_counter()
    return SweepReport(
        store.root,
        n_runs,
        done_before,
        ran,
        failed,
        t2 - t1,
        t1 - t0,
        backend.name,
        backend.workers,
    )
