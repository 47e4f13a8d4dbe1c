"""``contactops run``: run a pipeline, or zero-config over raw files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from contactops.cli.common import err_console, handle_errors, out_console, print_json

app = typer.Typer()


@app.command("run")
@handle_errors
def run(
    pipeline: Annotated[Path | None, typer.Argument(
        help="pipeline YAML (default: the only file in ./pipelines)")] = None,
    source: Annotated[list[Path] | None, typer.Option(
        "--source", "-s", help="raw file to load with no pipeline YAML (repeatable)")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file to use instead")] = None,
    until: Annotated[str | None, typer.Option(help="stop after this stage")] = None,
    sample: Annotated[int | None, typer.Option(
        help="load a deterministic sample of N rows per source into a sandbox warehouse")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing on success")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print the run result as JSON")] = False,
    warn_only: Annotated[bool, typer.Option(
        "--warn-only", help="report failed data-quality gates but exit 0")] = False,
    accept_shrink: Annotated[list[str] | None, typer.Option(
        "--accept-shrink", metavar="SOURCE",
        help="let this source's new snapshot become current although it shrank past "
             "max_shrink, or retire it when the pipeline no longer has it (repeatable)")] = None,
) -> int:
    """Load every source, then run each stage; exit 0 ok, 1 gate failed, 2 config, 3 runtime."""
    from contactops.pipeline import run_pipeline

    project = _project(pipeline, source, quiet or json_out)
    progress = None if (quiet or json_out) else RichProgress()
    try:
        result = run_pipeline(project, sample=sample, until=until, warehouse=warehouse,
                              progress=progress, warn_only=warn_only,
                              accept_shrink=accept_shrink or ())
    finally:
        if progress is not None:
            progress.close()
    if json_out:
        print_json(result.asdict())
    elif not quiet:
        out_console().print(str(result), markup=False)
        _terminal_summary(result)
        if sample:
            out_console().print(f"sandbox warehouse: {result.warehouse} (production untouched)",
                                markup=False)
    return result.exit_code


def _terminal_summary(result: Any) -> None:
    """The Rich pre-rollout summary of what this run left in the warehouse."""
    from contactops.report import build_summary, render_terminal

    render_terminal(build_summary(result.warehouse, result.run_id), console=out_console())


def _project(pipeline: Path | None, sources: list[Path] | None, quiet: bool) -> Any:
    from contactops.config import load_pipeline, load_project
    from contactops.config.loader import Project
    from contactops.config.pipeline import Pipeline
    from contactops.errors import UsageError

    if sources:
        if pipeline is not None:
            raise UsageError("give either a pipeline file or --source files, not both")
        from contactops.sources.infer import zero_config_pipeline

        base = load_project()
        data = zero_config_pipeline([str(s) for s in sources], root=base.root)
        if not quiet:
            _show_mapping(data)
        return Project(root=base.root, settings=base.settings,
                       pipeline=Pipeline.model_validate(data))
    if pipeline is None:
        candidates = sorted(Path("pipelines").glob("*.y*ml"))
        if len(candidates) != 1:
            found = ", ".join(str(c) for c in candidates) or "none in ./pipelines"
            raise UsageError(f"which pipeline? pass one of: {found} (or --source FILE)")
        pipeline = candidates[0]
    return load_pipeline(pipeline)


def _show_mapping(data: dict[str, Any]) -> None:
    console = out_console()
    for block in data["sources"]:
        console.print(f"[bold]{block['name']}[/] ← {block['path']} ({block['type']})")
        if block.get("sheet") is not None:
            console.print(f"  sheet: {block['sheet']!r}, column names at Excel row "
                          f"{block['header_row'] + 1}", markup=False)
        if block.get("key"):
            console.print(f"  key: {block['key']}")
        for raw, target in block["mapping"].items():
            console.print(f"  {raw!r:>28} → {target}", markup=False)
        if not block["mapping"]:
            console.print("  warning: no column matched a known contact field, so nothing is "
                          "mapped (all columns go to extras); write a pipeline with 'mapping:'",
                          markup=False)


class RichProgress:
    """Progress bars on stderr while stages run."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                             TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                             console=err_console(), transient=True)
        self._task: Any = None
        self._bar.start()

    def stage(self, name: str, total: int | None = None) -> None:
        self._task = self._bar.add_task(name, total=total or 1)

    def advance(self, label: str = "") -> None:
        if self._task is not None:
            self._bar.update(self._task, advance=1, description=label or None)

    def done(self, result: Any) -> None:
        if self._task is not None:
            task = self._bar.tasks[-1]
            self._bar.update(self._task, completed=task.total)

    def close(self) -> None:
        self._bar.stop()
