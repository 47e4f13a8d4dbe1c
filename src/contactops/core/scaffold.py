"""Commands that need no project: ``init``, ``infer``, ``generate``, ``schema``."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from contactops.errors import UsageError


def init_project(directory: Path, *, force: bool = False) -> list[str]:
    """Copy the example project into ``directory``; returns the files written (relative).

    A non-empty folder is refused unless ``force``; ``force`` keeps files already there.
    """
    if directory.exists() and any(directory.iterdir()) and not force:
        raise UsageError(f"{directory} is not empty; pick a new folder or pass --force")
    template = resources.files("contactops") / "templates" / "project"
    written = []
    with resources.as_file(template) as src:
        for file in sorted(Path(src).rglob("*")):
            if file.is_file():
                target = directory / file.relative_to(src)
                if target.exists() and not force:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, target)
                written.append(str(target.relative_to(directory)))
    return written


def infer_source(file: Path) -> tuple[str, list[str]]:
    """A suggested pipeline ``sources:`` block (YAML text, with comments on unmapped columns
    and notes) for a raw file, and the notes that are warnings."""
    import yaml

    from contactops.config import load_project
    from contactops.sources.infer import infer_source as infer

    block = infer(file, root=load_project().root)
    unmapped = block.pop("unmapped")
    notes = block.pop("notes")
    text = yaml.safe_dump({"sources": [block]}, sort_keys=False, allow_unicode=True)
    if unmapped:
        text += "# kept in extras (unmapped): " + ", ".join(unmapped) + "\n"
    text += "".join(f"# {note}\n" for note in notes)
    return text, [note for note in notes if note.startswith("warning:")]


def generate(out: Path, rows: int, seed: int, *, layout: str = "single",
             preset: str = "classic") -> dict[str, Any]:
    """Seeded messy contacts (and truth.csv) in ``out``; returns what was written where."""
    from contactops.testing import write_dataset
    from contactops.testing.presets import PRESETS

    if layout not in ("single", "sources"):
        raise UsageError("--layout is 'single' or 'sources'")
    if rows < 1:
        raise UsageError("--rows must be at least 1")
    if preset not in PRESETS:
        raise UsageError(f"--preset is one of {', '.join(PRESETS)}, not {preset!r}")
    return write_dataset(out, rows, seed, layout=cast(Literal["single", "sources"], layout),
                         preset=preset)


def json_schema(kind: Literal["pipeline", "settings"] = "pipeline") -> dict[str, Any]:
    """The JSON Schema of pipelines/*.yaml (``"pipeline"``) or config/contactops.yaml
    (``"settings"``)."""
    from contactops.config.schema import json_schema as schema

    return schema(kind)
