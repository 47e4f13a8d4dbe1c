"""Ingest one configured source: read, (sample), map, land — or skip when unchanged."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING

from contactops.catalog import T
from contactops.config.yamlfile import display_path
from contactops.sources.base import ROW, RawBatch, RawStream, Reject, file_sha256
from contactops.sources.land import LoadInfo, already_loaded, land
from contactops.sources.mapping import resolve_mapping
from contactops.sources.registry import stream_for
from contactops.sources.volume import VolumeGate

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.pipeline import Source
    from contactops.engine.warehouse import Warehouse


def ingest_source(wh: Warehouse, project: Project, source: Source, *, run_id: str,
                  sample: int | None = None, accept_shrink: bool = False,
                  rows_per_batch: int | None = None) -> LoadInfo:
    """Land ``source`` as a new load unless the same content is already current.

    A CSV or Parquet file is read, mapped and landed ``rows_per_batch`` rows at a time
    (all at once when None), in one load and one transaction; the result is the same
    whatever the batch size. A snapshot that shrank past its ``max_shrink`` lands with
    status ``blocked`` (not current) unless ``accept_shrink``; see
    :mod:`contactops.sources.volume`.
    """
    shown = str(project.pipeline_file) if project.pipeline_file else None

    def gate() -> VolumeGate | None:
        return VolumeGate.for_source(
            wh, source, project.settings, accept=accept_shrink, run_id=run_id, sample=sample,
            pipeline_file=display_path(shown) if shown else None)

    pre_hash = None
    path = getattr(source, "path", None)
    if source.type in ("csv", "excel", "json", "parquet") and path is not None:
        file = project.path(path)
        if file.is_file():
            pre_hash = _with_sample(file_sha256(file), sample)
            loaded = already_loaded(wh, source.name, pre_hash)
            if loaded:
                return _known(wh, source.name, path, loaded, gate, run_id)
    stream = stream_for(source.type)(source, project, wh, rows_per_batch)
    content_hash = pre_hash or _with_sample(stream.content_hash, sample)
    if pre_hash is None:
        loaded = already_loaded(wh, source.name, content_hash)
        if loaded:
            return _known(wh, source.name, stream.location, loaded, gate, run_id)
    details = {}
    if sample is not None:
        stream = sample_stream(stream, sample)
        details["sample_rows"] = sample
    mapping, key = resolve_mapping(source, stream.columns, shown)
    return land(wh, source, stream, mapping, key, run_id=run_id, content_hash=content_hash,
                details=details, gate=gate())


def _known(wh: Warehouse, source: str, location: str, loaded: tuple[str, str],
           gate: Callable[[], VolumeGate | None], run_id: str) -> LoadInfo:
    """Content already seen: skipped, or a blocked version the gate decides on again (it
    becomes current once accepted, or once the shrink is within the limit)."""
    load_id, reason = loaded
    if reason != "blocked":
        return LoadInfo(source=source, load_id=load_id, location=location, skipped=True,
                        skip_reason=reason)
    read, accepted, rejected = wh.fetchall(
        f"SELECT rows_read, rows_accepted, rows_rejected FROM {T.loads} WHERE load_id = ?",
        [load_id])[0]
    info = LoadInfo(source=source, load_id=load_id, location=location, rows_read=read,
                    rows_accepted=accepted, rows_rejected=rejected)
    check = gate()
    with wh.transaction():
        info.shrink = check.check(wh, load_id, accepted, rejected) if check else None
        if info.shrink is None:  # no current version left to compare, or within the limit
            wh.execute(f"UPDATE {T.loads} SET status = 'loaded', run_id = ? WHERE load_id = ?",
                       [run_id, load_id])
    return info


def _with_sample(digest: str, sample: int | None) -> str:
    return digest if sample is None else f"{digest}:sample:{sample}"


def sample_stream(stream: RawStream, n: int) -> RawStream:
    """A deterministic, spread-out sample of ``n`` rows (rejects included in the draw).

    Rows are ranked by a fixed integer hash of their row number, so the same file always
    gives the same sample and the sample is not just the top of the file. The stream is
    read batch by batch, keeping only the rows still among the ``n`` best ranked, so the
    sample costs memory for ``n`` rows and one batch, not for the file.
    """
    import polars as pl

    best: list[tuple[int, int]] = []
    frames: list[pl.DataFrame] = []
    rejects: list[Reject] = []
    for raw in stream.batches:
        rows = raw.frame[ROW].to_list() + [r.row_number or 0 for r in raw.rejects]
        best = heapq.nsmallest(n, [*best, *((_rank(r), r) for r in rows)])
        chosen = {r for _, r in best}
        frames = [f.filter(pl.col(ROW).is_in(list(chosen)))
                  for f in [*frames, raw.frame]]
        frames = [pl.concat(frames)]
        rejects = [r for r in [*rejects, *raw.rejects] if (r.row_number or 0) in chosen]
    frame = frames[0] if frames else pl.DataFrame(
        schema={**{c: pl.Utf8 for c in stream.columns}, ROW: pl.Int64})
    batch = RawBatch(frame=frame, rejects=rejects, content_hash=stream.content_hash,
                     location=stream.location, details=stream.details)
    return RawStream(batches=iter([batch]), columns=stream.columns,
                     content_hash=stream.content_hash, location=stream.location,
                     details=stream.details)


def _rank(row: int) -> int:
    return (row * 2654435761) % 4294967296
