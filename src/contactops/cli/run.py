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
    warehouse: Annotated[Path | None, typer.Option(
        help="warehouse to use instead: a DuckDB file, or a folder with --engine spark")] = None,
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
    memory_limit: Annotated[str | None, typer.Option(
        "--memory-limit", metavar="SIZE",
        help="memory the run may use, e.g. 6GB, 512MiB or 50% (of the machine); default: "
             "the pipeline's or config's memory_limit, CONTACTOPS_MEMORY_LIMIT, else half "
             "of the machine's memory")] = None,
    engine: Annotated[str | None, typer.Option(
        "--engine", metavar="ENGINE",
        help="duckdb (the default: one warehouse file) or spark (a folder of Parquet "
             "tables; the Spark master and options come from the settings' engine:)")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="run every stage over everything, even when nothing or only some "
                       "sources changed since the last successful run")] = False,
) -> int:
    """Load every source, then run each stage; exit 0 ok, 1 gate failed, 2 config, 3 runtime."""
    from contactops.core import Context

    ctx = Context.open(pipeline, warehouse=warehouse, sources=source, engine=engine)
    ctx.require_pipeline()
    if ctx.inferred is not None and not (quiet or json_out):
        _show_mapping(ctx.inferred)
    progress = None if (quiet or json_out) else RichProgress()
    try:
        result = ctx.run(sample=sample, until=until, progress=progress, warn_only=warn_only,
                         accept_shrink=accept_shrink or (), memory_limit=memory_limit,
                         full=full)
    finally:
        if progress is not None:
            progress.close()
    if json_out:
        print_json(result.asdict())
    elif not quiet:
        out_console().print(str(result), markup=False)
        if result.unchanged_since:  # the warehouse is as that run left it: no summary to redo
            out_console().print("the warehouse is as that run left it: 'contactops report' "
                                "shows it, 'contactops run --full' runs every stage again",
                                markup=False)
        else:
            ctx.print_run_summary(result, out_console())
        if sample:
            out_console().print(f"sandbox warehouse: {result.warehouse} (production untouched)",
                                markup=False)
    return result.exit_code


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
