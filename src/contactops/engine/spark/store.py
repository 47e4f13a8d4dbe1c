"""The Spark warehouse on disk: one Parquet folder per table, committed by folder swaps.

Layout of a warehouse folder ``DIR``::

    DIR/<table>/                   the table's Parquet files (any Parquet reader reads them)
    DIR/_contactops/catalog.json   views (their SQL), column defaults, sequences
    DIR/_contactops/lock           held (flock) by the one process writing
    DIR/_contactops/journal.json   a commit in progress (rolled forward on the next open)
    DIR/_contactops/staging/       folders written by a transaction not yet committed
    DIR/_contactops/trash/         replaced folders, removed after the commit

A write never touches a table's folder in place. A transaction writes new folders under
``staging/`` (a whole new table, or the rows appended to one); committing writes the journal
(the list of swaps), then renames: a replaced table's folder moves to ``trash/`` and the new
one takes its name; appended files move into the table's folder. Every step can be repeated,
so a process killed mid-commit leaves a journal the next writer finishes (roll forward),
and one killed before the journal leaves only staging folders, which the next writer
removes (roll back). What a reader sees meanwhile is per table: a table's folder is swapped
by one rename, but the tables of one commit are not swapped at the same instant.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contactops.errors import ContactopsError, WarehouseBusy

INTERNAL = "_contactops"


@dataclass
class Pending:
    """A transaction's changes to one table: a new whole folder, and/or appended folders."""

    base: Path | None = None          # the replacement folder (None: the committed one)
    appends: list[Path] = field(default_factory=list)
    dropped: bool = False


class Store:
    """Folders, the commit journal, the writer lock and the small catalog file."""

    def __init__(self, root: Path, *, read_only: bool, lock_timeout: float) -> None:
        self.root = root
        self.read_only = read_only
        self.internal = root / INTERNAL
        self._lock_file: Any = None
        if not read_only:
            self.internal.mkdir(parents=True, exist_ok=True)
            (self.internal / "staging").mkdir(exist_ok=True)
            self._lock(lock_timeout)
            self.recover()

    # -- the writer lock -----------------------------------------------------------------
    def _lock(self, timeout: float) -> None:
        handle = open(self.internal / "lock", "a+")  # held until close
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise WarehouseBusy(
                        f"warehouse {self.root} is in use by another contactops run; waited "
                        f"{timeout:.0f} s. Wait for it to finish, raise lock_timeout_seconds "
                        "in config/contactops.yaml, or pass --warehouse to use another "
                        "folder") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        self._lock_file = handle

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # -- tables ---------------------------------------------------------------------------
    def folder(self, table: str) -> Path:
        return self.root / table

    def tables(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and p.name != INTERNAL and not p.name.startswith("."))

    def new_folder(self) -> Path:
        """A fresh folder name under staging (not created: the writer creates it)."""
        return self.internal / "staging" / uuid.uuid4().hex

    # -- the catalog file -----------------------------------------------------------------
    def read_catalog(self) -> dict[str, Any]:
        path = self.internal / "catalog.json"
        if not path.is_file():
            return {"views": {}, "defaults": {}, "sequences": {}}
        data = json.loads(path.read_text())
        for key in ("views", "defaults", "sequences"):
            data.setdefault(key, {})
        return data

    def write_catalog(self, data: dict[str, Any]) -> None:
        _write_json(self.internal / "catalog.json", data)

    # -- commits --------------------------------------------------------------------------
    def commit(self, pending: dict[str, Pending]) -> None:
        """Make a transaction's folders the tables' own (journal, then renames)."""
        steps: list[dict[str, str]] = []
        for table, change in pending.items():
            if change.dropped and change.base is None:
                steps.append({"op": "drop", "table": table})
                continue
            if change.base is not None:
                steps.append({"op": "replace", "table": table, "src": str(change.base)})
            steps += [{"op": "append", "table": table, "src": str(a)} for a in change.appends]
        if not steps:
            return
        journal = self.internal / "journal.json"
        _write_json(journal, {"steps": steps})
        self._apply(steps)
        journal.unlink()
        shutil.rmtree(self.internal / "trash", ignore_errors=True)

    def _apply(self, steps: list[dict[str, str]]) -> None:
        trash = self.internal / "trash"
        trash.mkdir(exist_ok=True)
        for step in steps:
            target = self.folder(step["table"])
            src = Path(step["src"]) if "src" in step else None
            if step["op"] == "drop":
                if target.exists():
                    target.rename(trash / uuid.uuid4().hex)
            elif step["op"] == "replace":
                if src is not None and src.exists():
                    if target.exists():
                        target.rename(trash / uuid.uuid4().hex)
                    src.rename(target)
            elif src is not None and src.exists():  # append: move the files in
                target.mkdir(exist_ok=True)
                for part in sorted(src.iterdir()):
                    if part.name.endswith(".parquet"):
                        part.rename(target / part.name)
                shutil.rmtree(src, ignore_errors=True)

    def recover(self) -> None:
        """Finish a commit a killed writer left (its journal), drop uncommitted folders."""
        journal = self.internal / "journal.json"
        if journal.is_file():
            try:
                steps = json.loads(journal.read_text())["steps"]
            except (ValueError, KeyError) as exc:
                raise ContactopsError(
                    f"warehouse {self.root}: the commit journal {journal} is damaged ({exc}); "
                    "restore the warehouse folder from a backup") from None
            self._apply(steps)
            journal.unlink()
        shutil.rmtree(self.internal / "trash", ignore_errors=True)
        staging = self.internal / "staging"
        for leftover in staging.iterdir() if staging.is_dir() else ():
            shutil.rmtree(leftover, ignore_errors=True)
        for scratch in self.root.glob("_*"):  # a killed run's temporary tables
            if scratch.is_dir() and scratch.name != INTERNAL:
                shutil.rmtree(scratch, ignore_errors=True)

    def discard(self, pending: dict[str, Pending]) -> None:
        """Remove a rolled-back transaction's folders."""
        for change in pending.values():
            for folder in [change.base, *change.appends]:
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temp = path.with_name(path.name + ".part")
    with open(temp, "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
