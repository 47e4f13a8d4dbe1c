"""Resource faults in the engine: the first real error of a chain, and a rollback that fails."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import duckdb
import pytest
import typer

from contactops.cli.common import handle_errors
from contactops.engine import Warehouse
from contactops.engine.faults import explain_fault
from contactops.errors import ResourceError

FULL = ("the disk is full on /w/contacts.duckdb.wal (No space left on device) — free space on "
        "that disk (or move the warehouse with --warehouse) and run again; the warehouse keeps "
        "everything committed before this")


def aborted_after_full_disk() -> None:
    try:
        raise duckdb.IOException(
            'IO Error: Could not write file "/w/contacts.duckdb.wal": No space left on device')
    except duckdb.IOException:  # what the run does next fails and hides the cause
        raise duckdb.TransactionException(  # noqa: B904 - chained implicitly, as in a run
            "TransactionContext Error: Current transaction is aborted (please ROLLBACK)")


def test_current_transaction_is_aborted_is_unwrapped_to_the_full_disk() -> None:
    with pytest.raises(duckdb.TransactionException) as info:
        aborted_after_full_disk()
    fault = explain_fault(info.value)
    assert isinstance(fault, ResourceError) and str(fault) == FULL


def test_the_cli_prints_the_real_cause_in_one_line_with_exit_3(
        capsys: pytest.CaptureFixture[str]) -> None:
    command = handle_errors(aborted_after_full_disk)
    with pytest.raises(typer.Exit) as info:
        command()
    assert info.value.exit_code == 3
    err = " ".join(capsys.readouterr().err.split())
    assert err == f"error: {FULL}"


def test_a_fatal_error_names_its_original_error() -> None:
    fatal = duckdb.FatalException(
        'FATAL Error: Failed: database has been invalidated because of a previous fatal error. '
        'The database must be restarted prior to being used again.\nOriginal error: "Could not '
        'write file "/w/contacts.duckdb": File too large"')
    fault = explain_fault(fatal)
    assert fault is not None
    assert str(fault).startswith("a file-size limit was reached on /w/contacts.duckdb "
                                 "(File too large) — raise the limit (ulimit -f unlimited)")


def test_an_os_error_names_its_file() -> None:
    error = OSError(errno.ENOSPC, "No space left on device", "/data/report.html")
    assert str(explain_fault(error)).startswith(
        "the disk is full on /data/report.html (No space left on device)")


def test_other_errors_are_not_resource_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert explain_fault(ValueError("could not convert 'abc'")) is None

    def broken() -> None:
        raise ValueError("could not convert 'abc'")

    with pytest.raises(typer.Exit) as info:
        handle_errors(broken)()
    assert info.value.exit_code == 3
    assert "unexpected error: ValueError: could not convert 'abc'" in capsys.readouterr().err


class RollbackFails:
    """A connection whose ROLLBACK fails, as after a write that invalidated the transaction."""

    def __init__(self, con: Any) -> None:
        self.con = con

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "ROLLBACK":
            raise duckdb.TransactionException("Current transaction is aborted (please ROLLBACK)")
        return self.con.execute(sql, *args)

    def close(self) -> None:
        self.con.close()


def test_a_failing_rollback_keeps_the_first_error(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    real = wh._con
    wh._con = RollbackFails(real)  # type: ignore[assignment]
    try:
        with pytest.raises(duckdb.IOException, match="No space left on device"), \
                wh.transaction():
            raise duckdb.IOException("Could not write file: No space left on device")
    finally:
        real.execute("ROLLBACK")
        wh._con = real
        wh.close()


def test_read_only_commands_refuse_a_file_that_is_not_a_warehouse(tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("id,email\n1,a@example.org\n")
    with pytest.raises(ResourceError, match=r"people.csv is not a DuckDB database \(it looks "
                                            r"like a text file such as a CSV\)"):
        Warehouse(csv, read_only=True)
    assert csv.read_text() == "id,email\n1,a@example.org\n"
