"""Match before create: ``Context.match`` / ``wb.match`` / ``contactops match`` on a small
generated warehouse — typo copies find their contact with the dedupe stage's probability,
strangers find none, and a run holding the warehouse does not block a match."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from contactops.catalog import T
from contactops.cli.app import app
from contactops.core import Context
from contactops.dedupe.explain import explain_pair
from contactops.engine import Warehouse
from contactops.errors import EXIT_NO_MATCH, UsageError, WarehouseBusy
from contactops.testing import write_dataset

pytestmark = pytest.mark.slow

runner = CliRunner()
FIELDS = ("first_name", "last_name", "email", "phone", "company", "city")
STRANGER = {"first_name": "Zebulon", "last_name": "Quaxworthy",
            "email": "zq.unrelated@nowhere.example"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A 2,000-record generated warehouse after one zero-config run (cwd: its folder)."""
    folder = tmp_path_factory.mktemp("match")
    write_dataset(folder, 2000, 3, layout="single", preset="classic")
    patch = pytest.MonkeyPatch()
    patch.chdir(folder)
    patch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    warehouse = folder / "wh.duckdb"
    Context.open(sources=["contacts.csv"], warehouse=warehouse).run()
    yield folder, warehouse
    patch.undo()


def _ctx(warehouse: Path) -> Context:
    return Context.open(sources=["contacts.csv"], warehouse=warehouse)


def _loaded(warehouse: Path, n: int = 20) -> list[dict[str, Any]]:
    """Loaded records with a name, email and phone, with their contact ids."""
    with Warehouse(warehouse, read_only=True) as wh:
        return wh.records(
            f"SELECT n.record_id, l.contact_id, {', '.join(f'n.{c}' for c in FIELDS)} "
            f"FROM {T.normalized_records} n JOIN {T.contact_links} l USING (record_id) "
            "WHERE n.first_name IS NOT NULL AND n.last_name IS NOT NULL "
            "AND n.email IS NOT NULL AND n.phone IS NOT NULL AND length(n.last_name) > 5 "
            f"ORDER BY n.record_id LIMIT {n}")


def _typo(name: str) -> str:
    """A letter in the middle dropped (Robinson -> Robnson)."""
    i = len(name) // 2
    return name[:i] + name[i + 1:]


def _query(row: dict[str, Any]) -> dict[str, Any]:
    return {f: row[f] for f in FIELDS if row[f] is not None} | {"last_name": _typo(
        row["last_name"])}


def test_a_typo_copy_finds_its_contact_with_the_stage_probability(world: tuple[Path, Path]
                                                                  ) -> None:
    _, warehouse = world
    ctx = _ctx(warehouse)
    rows = _loaded(warehouse, 5)
    assert rows
    with Warehouse(warehouse, read_only=True) as wh:
        records = wh.pl(f"SELECT * FROM {T.normalized_records}")
        from contactops.dedupe.stage import load_model
        model = load_model(wh)
    with ctx.matcher() as matcher:
        for row in rows:
            query = _query(row)
            result = matcher.match(query)
            assert result.found, query
            top = result.candidates.row(0, named=True)
            assert top["contact_id"] == row["contact_id"]
            assert top["match_probability"] > 0.99
            assert "email" in top["matched"]
            # what the dedupe stage would give the pair, were the record loaded
            normalized = matcher.normalized([query]).with_columns(record_id=pl.lit("new"))
            everything = pl.concat([records, normalized], how="diagonal_relaxed")
            stage = explain_pair(everything, top["record_id"], "new", ctx.dedupe_options(),
                                 model)
            assert top["match_probability"] == pytest.approx(
                float(stage["match_probability"][-1]), abs=1e-6)
            assert top["match_weight"] == pytest.approx(float(stage["cumulative"][-1]),
                                                        abs=1e-3)
            explained = {e["field"]: e for e in top["explanation"]}
            assert explained["last_name"]["label"].startswith("similar")
            assert explained["email"]["label"] == "exact"


def _queries(warehouse: Path) -> list[dict[str, Any]]:
    """Typo copies, names alone, several mailboxes, strangers."""
    rows = _loaded(warehouse, 12)
    return ([_query(r) for r in rows]
            + [{"first_name": r["first_name"], "last_name": r["last_name"]} for r in rows[:3]]
            + [_query(rows[4]) | {"email": ["x.y@nowhere.example", rows[4]["email"]]},
               {"phone": rows[5]["phone"], "company": "Nobody Ltd"}, STRANGER])


def test_the_copy_and_identity_normalize_match_as_the_warehouse_and_full_normalize(
        world: tuple[Path, Path]) -> None:
    # match reads the dedupe run's copy (sorted, small row groups, counts precomputed) and
    # normalizes only the identity columns; the reference reads the warehouse itself and
    # runs the whole normalize stage, as match did before: the same candidates, weights,
    # probabilities, matched fields and explanations
    from contactops.core.match import Matcher
    from contactops.normalize.stage import OUTPUT_COLUMNS, normalize

    class WholeNormalize(Matcher):
        def normalized(self, records: Any) -> pl.DataFrame:
            from contactops.fields import CONTACT_FIELDS

            rows = [{"record_id": f"query-{i}", "source": "match", "source_kind": "agent"}
                    | {f: None if r.get(f) is None else str(r[f]) for f in CONTACT_FIELDS}
                    for i, r in enumerate(records)]
            raw = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))
            out = normalize(raw.lazy(), self.settings, self.normalize)
            return out.collect_wide().select(OUTPUT_COLUMNS)

    _, warehouse = world
    ctx, queries = _ctx(warehouse), _queries(warehouse)
    with ctx.matcher() as matcher:
        assert matcher.source.endswith("wh.duckdb.match.duckdb")
        fast = matcher.match_many(queries, limit=50, min_probability=0.0)
        one = [matcher.match(q, limit=50, min_probability=0.0) for q in queries[:4]]
    with Warehouse(warehouse, read_only=True) as wh:
        assert not wh.table_exists("match_counts")
        slow = WholeNormalize(ctx, wh, str(warehouse)).match_many(queries, limit=50,
                                                                  min_probability=0.0)
    assert sum(r.found for r in fast) >= 12
    for a, b in zip([*fast, *one], [*slow, *slow[:4]], strict=True):
        assert_frame_equal(a.candidates, b.candidates)


def test_a_copy_behind_the_warehouse_is_not_read(world: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    # an unmerge after the run changes the warehouse's contacts, not the copy's: match
    # reads the warehouse until the next run writes a new copy
    folder, warehouse = world
    for name in ("wh.duckdb", "wh.duckdb.match.duckdb"):
        shutil.copy(folder / name, tmp_path / name)
    copied = tmp_path / "wh.duckdb"
    row = _loaded(copied, 1)[0]
    ctx = _ctx(copied)
    before = ctx.match(_query(row))
    assert before.warehouse.endswith("wh.duckdb.match.duckdb")
    with Warehouse(copied, read_only=True) as wh:
        merged = wh.scalar(f"SELECT contact_id FROM {T.contact_links} GROUP BY 1 "
                           "HAVING count(*) > 1 ORDER BY 1 LIMIT 1")
    ctx.unmerge(merged, "test")
    after = ctx.match(_query(row))
    assert after.warehouse == str(copied)
    assert after.candidates["contact_id"][0] == before.candidates["contact_id"][0]


def test_a_stranger_finds_no_contact(world: tuple[Path, Path]) -> None:
    _, warehouse = world
    result = _ctx(warehouse).match(STRANGER)
    assert not result.found and result.candidates.height == 0
    assert "no existing contact" in str(result)


def test_several_records_and_emails(world: tuple[Path, Path]) -> None:
    _, warehouse = world
    row = _loaded(warehouse, 1)[0]
    # an unknown mailbox next to the known one: the contact is still found, once
    query = _query(row) | {"email": ["someone.else@nowhere.example", row["email"]]}
    results = _ctx(warehouse).match([query, STRANGER], limit=3, min_probability=0.9)
    assert isinstance(results, list) and len(results) == 2
    found, none = results
    assert found.candidates["contact_id"].to_list().count(row["contact_id"]) == 1
    assert (found.candidates["match_probability"] >= 0.9).all()
    assert found.candidates.height <= 3
    assert not none.found


def test_unknown_field_and_empty_record_are_refused(world: tuple[Path, Path]) -> None:
    _, warehouse = world
    with pytest.raises(UsageError, match=r"unknown field 'last_nme' \(did you mean "
                       r"'last_name'\?\); valid fields: full_name, first_name"):
        _ctx(warehouse).match({"first_name": "Ann", "last_nme": "Lee"})
    with pytest.raises(UsageError, match="no field filled"):
        _ctx(warehouse).match({"first_name": ""})


def test_match_index_is_sorted_and_keys_every_mailbox(world: tuple[Path, Path]) -> None:
    _, warehouse = world
    with Warehouse(warehouse, read_only=True) as wh:
        index = wh.pl(f"SELECT * FROM {T.match_index}")
        mailboxes = set(wh.pl(f"SELECT record_id FROM {T.normalized_records} "
                              "WHERE email_key IS NOT NULL")["record_id"])
    assert index["key_hash"].is_sorted()
    shared = set(index.filter(pl.col("rule") == "shared:email_key")["record_id"])
    emailed = set(index.filter(pl.col("rule") == "email")["record_id"])
    # a mailbox blocks unless several people use it (then the stage flagged it shared)
    assert emailed == mailboxes - shared and emailed
    assert index.filter(pl.col("rule").str.starts_with("shared:"))["key_hash"].eq(0).all()


def test_no_dedupe_run_yet_says_run_the_pipeline(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    Warehouse(empty).close()
    with pytest.raises(UsageError, match=r"no match_model table .* run the pipeline first"):
        Context.open(warehouse=empty).match({"first_name": "Ann"})


def _hold(warehouse: Path) -> subprocess.Popen[str]:
    """Another process holding the warehouse open for writing, as a run does."""
    code = ("import sys, time; from contactops.engine import Warehouse\n"
            "wh = Warehouse(sys.argv[1])\nprint('held', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(warehouse)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_match_reads_while_a_run_holds_the_warehouse(world: tuple[Path, Path]) -> None:
    _, warehouse = world
    row = _loaded(warehouse, 1)[0]
    holder = _hold(warehouse)
    try:
        started = time.monotonic()
        result = _ctx(warehouse).match(_query(row))
        assert time.monotonic() - started < 20  # did not wait the 30 s lock timeout
        assert result.warehouse.endswith("wh.duckdb.match.duckdb")
        assert result.candidates["contact_id"][0] == row["contact_id"]
        with pytest.raises(WarehouseBusy):  # the run's lock is really held
            Warehouse(warehouse, read_only=True, lock_timeout=0).close()
    finally:
        holder.kill()
        holder.wait()


def test_busy_warehouse_without_a_copy_says_so(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    Warehouse(warehouse).close()
    holder = _hold(warehouse)
    try:
        with pytest.raises(WarehouseBusy, match="in use by a run and has no match copy"):
            Context.open(warehouse=warehouse).match({"first_name": "Ann"})
    finally:
        holder.kill()
        holder.wait()


# -- the CLI -------------------------------------------------------------------------------
def _cli(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin, catch_exceptions=False)


def test_cli_options_and_json(world: tuple[Path, Path]) -> None:
    _, warehouse = world
    row = _loaded(warehouse, 1)[0]
    q = _query(row)
    out = _cli("match", "--warehouse", str(warehouse), "--first-name", q["first_name"],
               "--last-name", q["last_name"], "--email", q["email"], "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    top = data["candidates"][0]
    assert top["contact_id"] == row["contact_id"] and top["match_probability"] > 0.9
    assert {"field", "weight", "label", "cumulative"} <= set(top["explanation"][0])
    out = _cli("match", "--warehouse", str(warehouse), "--first-name", "Zebulon",
               "--last-name", "Quaxworthy", "--email", "zq.unrelated@nowhere.example")
    assert out.exit_code == EXIT_NO_MATCH and "no existing contact" in out.stdout


def test_cli_json_lines_on_stdin(world: tuple[Path, Path]) -> None:
    _, warehouse = world
    row = _loaded(warehouse, 1)[0]
    lines = json.dumps(_query(row)) + "\n" + json.dumps(STRANGER) + "\n"
    out = _cli("match", "-", "--warehouse", str(warehouse), "--json", stdin=lines)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [bool(r["candidates"]) for r in data] == [True, False]


def test_cli_masks_external_ids(world: tuple[Path, Path]) -> None:
    _, warehouse = world
    record = {"first_name": "Ann", "external_id": "CUST-123456789"}
    out = _cli("match", "-", "--warehouse", str(warehouse), "--json",
               stdin=json.dumps(record))
    assert "123456789" not in out.stdout
    assert out.exit_code in (0, EXIT_NO_MATCH)


@pytest.mark.parametrize(("stdin", "message"), [
    ('{"first_name": "Ann",\n "x": }', "stdin line 2, column 7: invalid JSON"),
    ('{"first_name": "Ann"}\n{"email": }\n', "stdin line 2, column 11: invalid JSON"),
    ('{"frist_name": "Ann"}', "unknown field 'frist_name' (did you mean 'first_name'?)"),
    ('{"first_name": ["Ann", "Anne"]}', "field 'first_name' takes one value"),
])
def test_cli_bad_input_names_line_column_and_field(world: tuple[Path, Path], stdin: str,
                                                   message: str) -> None:
    _, warehouse = world
    out = _cli("match", "-", "--warehouse", str(warehouse), stdin=stdin)
    assert out.exit_code == 2
    assert message in " ".join(out.output.split())
