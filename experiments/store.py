"""The results store of a sweep: runs stream to disk as they finish (docs/sweeps.md).

Layout of a store directory::

    OUT/manifest.json              the sweep file, versions, root seed, design, every run's seed
    OUT/runs/part-00000.parquet    one row per run: run_id, point_id, scenario, replication,
                                   seed, the factors, status, error, the metrics
    OUT/timeseries/part-00000.parquet   run_id, step, year and the chosen series, per step
    OUT/.lock                      held by the one process writing the store

Runs are buffered and written in small batches (parts). A batch's timeseries part is written
before its runs part, each to a hidden temporary file renamed into place, so a runs part is the
commit mark: after a crash, the runs parts list exactly the runs that are done, and a resume
deletes temporary files and timeseries parts without their runs part, then computes only the
runs that are missing. Memory holds one batch, whatever the number of runs.

Read back with :meth:`Store.runs` and :meth:`Store.series`, or with any Parquet reader and one
glob per table: ``OUT/runs/*.parquet`` and ``OUT/timeseries/*.parquet`` (DuckDB, polars;
pandas takes the folders). Missing values are Parquet nulls (:func:`nan_to_null`), as in a
run's outputs, so every reader agrees on means and counts.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from experiments.outputs import RunRecord
from sim.atomic import try_lock
from sim.errors import UserError

FORMAT = "efficiency-race sweep store 1"
MANIFEST = "manifest.json"
RUNS = "runs"
SERIES = "timeseries"
LOCK = ".lock"


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that determine the results."""
    out = {"python": platform.python_version()}
    for package in ("efficiency-race", "numpy", "pandas", "pyarrow", "mesa", "SALib", "dask"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def nan_to_null(table: pa.Table) -> pa.Table:
    """The table with NaN in floating-point columns written as Parquet null, the one missing
    value of every table the project writes (pandas reads null back as NaN; DuckDB, polars and
    SQL aggregates skip it)."""
    columns = []
    for column in table.columns:
        if pa.types.is_floating(column.type):
            column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)


def _write_atomic(path: Path, write: Any) -> None:
    """Write ``path`` under a hidden temporary name, then rename it into place; the file's data
    reaches the disk before the rename, and the rename before this returns, so a power cut
    leaves the old state or the whole new file, never a renamed file the cache had not
    written yet (empty or cut short: a runs part that is the commit mark of lost runs)."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    _fsync(tmp)
    os.replace(tmp, path)
    _fsync(path.parent)


def _fsync(path: Path) -> None:
    """Flush a file's or a folder's contents to the disk (a folder: the names in it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def readable_part(path: Path) -> bool:
    """Whether ``path`` is a whole Parquet file (its footer reads): a part that a crash cut
    short, in a file system that lost what the cache held, is not."""
    try:
        pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return False
    return True


def runs_schema(design_points: pd.DataFrame, metric_columns: Sequence[str]) -> pa.Schema:
    """Schema of the runs table: identifiers, the factors' types, status, error, metrics."""
    fields = [
        pa.field("run_id", pa.int64()),
        pa.field("point_id", pa.int64()),
        pa.field("scenario", pa.string()),
        pa.field("replication", pa.int64()),
        pa.field("seed", pa.int64()),
    ]
    for column in design_points.columns.drop(["point_id", "scenario"]):
        dtype = design_points[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kind = pa.bool_()
        elif pd.api.types.is_integer_dtype(dtype):
            kind = pa.int64()
        elif pd.api.types.is_float_dtype(dtype):
            kind = pa.float64()
        else:
            kind = pa.string()
        fields.append(pa.field(column, kind))
    fields += [pa.field("status", pa.string()), pa.field("error", pa.string())]
    fields += [pa.field(c, pa.float64()) for c in metric_columns]
    return pa.schema(fields)


class Store:
    """A sweep's results directory (see the module docstring for its layout)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._manifest: dict[str, Any] | None = None

    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest, read once."""
        if self._manifest is None:
            path = self.root / MANIFEST
            try:
                self._manifest = json.loads(path.read_text(encoding="utf-8"))
            except OSError:
                raise UserError(f"{self.root} is not a sweep store (no {MANIFEST})") from None
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}: damaged manifest: {exc}") from None
        return self._manifest

    def exists(self) -> bool:
        """Whether the directory holds a store (a manifest)."""
        return (self.root / MANIFEST).is_file()

    def is_ours(self) -> bool:
        """Whether its manifest is an efficiency-race store's, not another program's
        ``manifest.json`` (UserError if it cannot be read)."""
        manifest: Any = self.manifest
        return isinstance(manifest, dict) and manifest.get("format") == FORMAT

    def not_ours(self) -> str:
        """What a folder whose manifest is not a results store's holds, for a one-line error:
        the outputs of one ``effrace run``, or another program's ``manifest.json``."""
        manifest: Any = self.manifest
        if isinstance(manifest, dict) and manifest.get("kind") == "run":
            return (
                f"{self.root} holds the outputs of one `effrace run` (scenario "
                f"'{manifest.get('scenario')}'), not a results store of a sweep"
            )
        return f"{self.root} holds a manifest.json that is not an efficiency-race results store"

    @classmethod
    def create(cls, root: str | Path, manifest: Mapping[str, Any]) -> Store:
        """Start an empty store with its manifest; UserError if ``root`` is in use."""
        root = Path(root)
        if root.exists() and any(root.iterdir()):
            raise UserError(
                f"--out {root}: the folder exists, is not empty and is not a results store; "
                "choose an empty or new folder"
            )
        (root / RUNS).mkdir(parents=True, exist_ok=True)
        (root / SERIES).mkdir(exist_ok=True)
        full = {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": versions(),
            **manifest,
        }
        text = json.dumps(full, indent=1, default=_json_default)
        tmp = root / f".{MANIFEST}.tmp-{os.getpid()}"
        tmp.write_text(text, encoding="utf-8")
        try:  # a hard link is atomic and refused if the name exists: one of two starts wins
            os.link(tmp, root / MANIFEST)
        except FileExistsError:
            raise UserError(
                f"--out {root}: another process started a store here at the same moment"
            ) from None
        except OSError:  # a file system without hard links: an atomic replace
            os.replace(tmp, root / MANIFEST)
        finally:
            tmp.unlink(missing_ok=True)
        store = cls(root)
        store._manifest = json.loads(text)
        return store

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's write lock: one writing process at a time. The operating system
        releases it when the process ends, however it ends (POSIX ``flock``)."""
        with (self.root / LOCK).open("w") as handle:
            if not try_lock(handle):
                raise UserError(f"--out {self.root}: another process is writing this sweep now")
            yield

    # ---- parts --------------------------------------------------------------------------

    def _parts(self, folder: str) -> dict[int, Path]:
        out = {}
        for path in (self.root / folder).glob("part-*.parquet"):
            number = path.stem.removeprefix("part-")
            if number.isdigit():
                out[int(number)] = path
        return out

    def clean_partial(self) -> None:
        """Delete what an interrupted writer left: temporary files, uncommitted series, and a
        part (runs and series) that does not read whole, written before a crash by a version
        that did not flush parts to the disk, or damaged since: its runs run again."""
        for folder in (RUNS, SERIES):
            for tmp in (self.root / folder).glob(".*.tmp"):
                tmp.unlink()
        committed = self._parts(RUNS)
        series = self._parts(SERIES)
        for number, path in list(committed.items()):
            twin = series.get(number)
            if not readable_part(path) or (twin is not None and not readable_part(twin)):
                path.unlink()
                del committed[number]
        for number, path in series.items():
            if number not in committed:
                path.unlink()

    def done_mask(self) -> np.ndarray:
        """Boolean array over run_id: true for runs already in the store (UserError naming a
        runs part that does not read whole: ``--resume`` runs its runs again)."""
        done = np.zeros(int(self.manifest["n_runs"]), dtype=bool)
        for path in self._parts(RUNS).values():
            try:
                ids = pq.read_table(path, columns=["run_id"]).column("run_id").to_numpy()
            except (OSError, pa.ArrowException):
                raise UserError(
                    f"{path}: not a whole Parquet file (cut short by a crash?); rerun the "
                    "command with --resume, which runs its runs again"
                ) from None
            done[ids] = True
        return done

    def writer(
        self,
        schema: pa.Schema,
        series_columns: Sequence[str],
        *,
        flush_runs: int = 50,
        flush_seconds: float = 5.0,
    ) -> StoreWriter:
        """A writer appending parts after the existing ones."""
        first = max([*self._parts(RUNS), *self._parts(SERIES)], default=-1) + 1
        return StoreWriter(self, schema, series_columns, first, flush_runs, flush_seconds)

    # ---- reading ------------------------------------------------------------------------

    def _read(self, folder: str, columns: Sequence[str] | None, sort: list[str]) -> pd.DataFrame:
        paths = [str(p) for _, p in sorted(self._parts(folder).items())]
        if not paths:
            return pd.DataFrame(columns=list(columns or sort))
        table = ds.dataset(paths, format="parquet").to_table(
            columns=list(columns) if columns else None
        )
        frame = table.to_pandas()
        keys = [k for k in sort if k in frame.columns]
        return frame.sort_values(keys, kind="stable").reset_index(drop=True) if keys else frame

    def runs(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The runs table, one row per run, sorted by run_id."""
        return self._read(RUNS, columns, ["run_id"])

    def series(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The time series, one row per run and step, sorted by run_id and step."""
        return self._read(SERIES, columns, ["run_id", "step"])

    def iter_series(self, columns: Sequence[str] | None = None) -> Any:
        """The time series part by part (pandas frames), to reduce stores larger than memory."""
        for _, path in sorted(self._parts(SERIES).items()):
            yield pq.read_table(path, columns=list(columns) if columns else None).to_pandas()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


class StoreWriter:
    """Buffers the runs the workers hand back (a chunk at a time) and writes them as parts:
    once ``flush_runs`` are buffered, and ``flush_seconds`` after the first run of a batch was
    buffered, by a timer thread, so that a run handed back is on disk within that time however
    long the next chunk takes (a process killed outright loses the runs handed back in the last
    ``flush_seconds``, besides the chunks still running); use it as a context manager, which
    writes what is left and stops the timer."""

    def __init__(
        self,
        store: Store,
        schema: pa.Schema,
        series_columns: Sequence[str],
        first_part: int,
        flush_runs: int,
        flush_seconds: float,
    ) -> None:
        self.store = store
        self.schema = schema
        self.series_columns = ["step", "year", *series_columns]
        self.part = first_part
        self.flush_runs = flush_runs
        self.flush_seconds = flush_seconds
        # one entry a run, its row and its series appended at once: an interrupt between two
        # appends cannot leave a run with a row and no series
        self._buffer: list[RunRecord] = []
        self._lock = threading.Lock()  # the buffer and the parts: this thread and the timer's
        self._timer: threading.Timer | None = None
        self._timer_error: Exception | None = None
        self.written = 0

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

    def add(self, record: RunRecord) -> None:
        """Buffer one run; write the batch if it is full, else make sure a timer will."""
        if self._timer_error is not None:  # the timer could not write (a full disk, say)
            error, self._timer_error = self._timer_error, None
            raise error
        with self._lock:
            self._buffer.append(record)
            full = len(self._buffer) >= self.flush_runs
            if not full and self._timer is None:
                self._timer = threading.Timer(self.flush_seconds, self._flush_on_time)
                self._timer.daemon = True
                self._timer.start()
        if full:
            self.flush()

    def _flush_on_time(self) -> None:
        try:
            self.flush()
        except Exception as exc:  # raised in the collecting thread at its next add
            self._timer_error = exc

    def _series_table(self, with_series: list[RunRecord]) -> pa.Table:
        series = [r.series for r in with_series if r.series is not None]
        lengths = [len(s["step"]) for s in series]
        ids = [int(r.row["run_id"]) for r in with_series]
        arrays = {"run_id": np.repeat(ids, lengths).astype(np.int64)}
        for column in self.series_columns:
            arrays[column] = np.concatenate([s[column] for s in series])
        return pa.table(arrays)

    def flush(self) -> None:
        """Write the buffered runs as one part (series first, runs last: the commit)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()  # a no-op when the timer itself calls
                self._timer = None
            self._write()

    def _write(self) -> None:
        batch = self._buffer
        if not batch:
            return
        name = f"part-{self.part:05d}.parquet"
        with_series = [r for r in batch if r.series is not None]
        if with_series:
            table = nan_to_null(self._series_table(with_series))
            _write_atomic(self.store.root / SERIES / name, lambda p: pq.write_table(table, p))
        rows = [r.row for r in batch]
        runs = nan_to_null(pa.Table.from_pylist(rows, schema=self.schema))
        _write_atomic(self.store.root / RUNS / name, lambda p: pq.write_table(runs, p))
        # the part is committed: empty the buffer and count its runs together
        self._buffer, self.part, self.written = [], self.part + 1, self.written + len(batch)
