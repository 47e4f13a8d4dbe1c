"""What every command shares: the error handler, consoles, opening the core's Context.

Nothing heavy is imported here: ``contactops --help`` must stay instant.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from contactops.errors import EXIT_RUNTIME, ContactopsError

if TYPE_CHECKING:
    from contactops.core import Context

F = TypeVar("F", bound=Callable[..., Any])


class State:
    debug = False


def err_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def out_console() -> Any:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:  # pipes and logs: do not squeeze tables into 80 columns
        console = Console(highlight=False, soft_wrap=True, width=200)
    return console


def handle_errors(func: F) -> F:
    """Map ContactopsError to its message and exit code; ``--debug`` shows the traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = func(*args, **kwargs)
        except typer.Exit:
            raise
        except ContactopsError as exc:
            if State.debug:
                raise
            err_console().print(f"[bold red]error:[/] {_escape(str(exc))}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except Exception as exc:  # a resource fault, a bug or an unexpected library failure
            if State.debug:
                raise
            fault = _resource_fault(exc)
            if fault is not None:
                err_console().print(f"[bold red]error:[/] {_escape(str(fault))}")
                raise typer.Exit(fault.exit_code) from None
            err_console().print(f"[bold red]unexpected error:[/] {type(exc).__name__}: "
                                f"{_escape(str(exc))}\nrun again with --debug for the traceback")
            raise typer.Exit(EXIT_RUNTIME) from None
        if code:
            raise typer.Exit(int(code))
        return None

    return wrapper  # type: ignore[return-value]


def _resource_fault(exc: BaseException) -> ContactopsError | None:
    """A full disk, a file-size limit or a lost permission, named by its first real error."""
    from contactops.core import explain_fault

    return explain_fault(exc)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def open_context(pipeline: Path | None = None, warehouse: Path | None = None,
                 sample: bool = False) -> Context:
    """The project of the working directory (or of ``pipeline``), by the core's one rule."""
    from contactops.core import Context

    return Context.open(pipeline, warehouse=warehouse, sample=sample)


def show(obj: Any, json_out: bool) -> None:
    """A result object as JSON (``asdict()``) or as its readable ``str()``."""
    if json_out:
        print_json(obj.asdict())
    else:
        out_console().print(str(obj), markup=False)

