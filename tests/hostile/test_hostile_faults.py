"""Hostile input, part faults: YAML bombs and type errors, and machines that refuse to write.

Every case goes through the CLI and asserts the exit code, the message (file, problem, fix)
and that nothing earlier was lost: the file given is unchanged, and the warehouse still opens
and holds the contacts of the run before. A baseline project (``contactops init`` plus one run
up to dedupe) is built once and copied for each case.

Resource faults run the CLI in a child process, because the test runs as root, for whom
``chmod`` changes nothing: the read-only folder case drops to ``nobody`` (``setpriv``), the
file-size case sets ``RLIMIT_FSIZE`` with SIGXFSZ ignored, and the full-disk case mounts a
small tmpfs in a private mount namespace (``unshare -m``). Each skips, saying why, only when
its mechanism is unavailable.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactops.cli.app import app

WAREHOUSE = Path("warehouse") / "contacts.duckdb"
BASELINE_CONTACTS = 3
BOMB = """\
lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
MORE_SOURCE = """\
  - name: more
    type: csv
    kind: import
    path: data/more.csv
    key: id
    mapping: {First Name: first_name, Last Name: last_name, E-mail: email}
"""

runner = CliRunner()


# -- helpers ---------------------------------------------------------------------------------
def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # the handler let something through: a crash
    return result.exit_code, result.output


def child(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400"}
    env.pop("CONTACTOPS_WAREHOUSE", None)
    return subprocess.run([sys.executable, "-m", "contactops", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def contacts_in(warehouse: Path) -> int:
    from contactops.engine import Warehouse

    with Warehouse(warehouse, read_only=True) as wh:
        return int(wh.scalar("SELECT count(*) FROM contacts"))


def runs_in(warehouse: Path) -> list[tuple[str, int | None]]:
    from contactops.engine import Warehouse

    with Warehouse(warehouse, read_only=True) as wh:
        return [(r[0], r[1]) for r in wh.fetchall(
            "SELECT status, exit_code FROM runs ORDER BY started_at")]


def one_line(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("baseline") / "proj"
    assert cli("init", str(root))[0] == 0
    code, out = cli("run", str(root / "pipelines" / "contacts.yaml"), "--until", "dedupe", "-q")
    assert code == 0, out
    assert contacts_in(root / WAREHOUSE) == BASELINE_CONTACTS
    return root


@pytest.fixture
def project(baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(baseline, root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    return root


@pytest.fixture
def warehouse_kept(project: Path) -> Iterator[None]:
    """After the case: the warehouse is unchanged, byte for byte, and still opens."""
    before = digest(project / WAREHOUSE)
    yield
    assert_untouched(project, before)


def assert_untouched(root: Path, before: str) -> None:
    assert digest(root / WAREHOUSE) == before
    assert contacts_in(root / WAREHOUSE) == BASELINE_CONTACTS


def add_more_source(root: Path, rows: int) -> None:
    lines = ["id,First Name,Last Name,E-mail"]
    lines += [f"m{i},Ann{i},Lee{i},ann{i}@corp{i % 40}.org" for i in range(rows)]
    (root / "data" / "more.csv").write_text("\n".join(lines) + "\n")
    with (root / "pipelines" / "contacts.yaml").open("a") as handle:
        handle.write(MORE_SOURCE)


# -- YAML bombs --------------------------------------------------------------------------------
def test_bomb_at_the_top_level_of_a_pipeline(project: Path) -> None:
    before = digest(project / WAREHOUSE)
    (project / "pipelines" / "contacts.yaml").write_text("name: contacts\n" + BOMB)
    code, out = cli("run", "pipelines/contacts.yaml")
    text = one_line(out)
    assert code == 2
    assert "pipelines/contacts.yaml:6: e[0]: alias *d (anchor &d at line 5" in text
    assert "billion laughs" in text and "write the values out" in text
    assert_untouched(project, before)


@pytest.mark.usefixtures("warehouse_kept")
def test_bomb_under_an_unknown_key_is_refused_before_the_unknown_key(project: Path) -> None:
    pipeline = project / "pipelines" / "contacts.yaml"
    indented = "".join(f"  {line}\n" for line in BOMB.splitlines())
    pipeline.write_text(pipeline.read_text() + "notes:\n" + indented)
    code, out = cli("check", "pipelines/contacts.yaml")
    text = one_line(out)
    assert code == 2
    assert "pipelines/contacts.yaml:" in text and "notes.e[0]: alias *d" in text
    assert "unknown key" not in text  # nothing was built to validate


@pytest.mark.usefixtures("warehouse_kept")
def test_bomb_in_project_settings(project: Path) -> None:
    settings = project / "config" / "contactops.yaml"
    settings.write_text(settings.read_text() + "\nextras:\n"
                        + "".join(f"  {line}\n" for line in BOMB.splitlines()))
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    assert "config/contactops.yaml:" in out and "alias *d" in out and "billion laughs" in out


def test_bomb_in_audiences_yaml(project: Path) -> None:
    before = digest(project / WAREHOUSE)
    (project / "config" / "audiences.yaml").write_text("audiences: {}\n" + BOMB)
    code, out = cli("audiences")
    assert code == 2
    assert "config/audiences.yaml:6: e[0]: alias *d" in one_line(out)
    assert_untouched(project, before)


@pytest.mark.usefixtures("warehouse_kept")
def test_bomb_in_references_yaml(project: Path) -> None:
    (project / "config" / "references.yaml").write_text("workflows: []\n" + BOMB)
    (project / "config" / "audiences.yaml").write_text("audiences: {}\n")
    code, out = cli("impact", "newsletter", "--kind", "list")
    assert code == 2, out
    assert "config/references.yaml:6: e[0]: alias *d" in one_line(out)


def test_bomb_in_an_expectation_suite_stops_the_run_before_any_stage(project: Path) -> None:
    suites = project / "expectations" / "suites"
    suites.mkdir(parents=True)
    (suites / "contacts.yaml").write_text(
        "meta: {contactops_table: contacts}\nexpectations: []\n" + BOMB)
    code, out = cli("run", "pipelines/contacts.yaml", "-q")
    assert code == 2
    assert "expectations/suites/contacts.yaml:7: e[0]: alias *d" in one_line(out)
    assert "stage" not in out
    assert contacts_in(project / WAREHOUSE) == BASELINE_CONTACTS
    assert runs_in(project / WAREHOUSE)[-1] == ("failed", 2)


def test_bomb_in_the_gx_context_file(project: Path) -> None:
    gx = project / "expectations" / "gx"
    gx.mkdir(parents=True)
    (gx / "great_expectations.yml").write_text("config_version: 4\n" + BOMB)
    (project / "expectations" / "suites").mkdir()
    (project / "expectations" / "suites" / "contacts.json").write_text(
        '{"meta": {"contactops_table": "contacts"}, "expectations": []}')
    code, out = cli("run", "pipelines/contacts.yaml", "-q")
    assert code == 2
    assert "expectations/gx/great_expectations.yml:" in out and "alias *d" in out
    assert contacts_in(project / WAREHOUSE) == BASELINE_CONTACTS


@pytest.mark.usefixtures("warehouse_kept")
def test_a_json_suite_nested_beyond_reading(project: Path) -> None:
    suites = project / "expectations" / "suites"
    suites.mkdir(parents=True)
    (suites / "contacts.json").write_text("[" * 200_000 + "]" * 200_000)
    code, out = cli("validate")
    assert code == 2
    assert ("expectations/suites/contacts.json: <root>: nesting too deep to read — flatten "
            "the structure") in one_line(out)


@pytest.mark.usefixtures("warehouse_kept")
def test_a_yaml_suite_without_its_table(project: Path) -> None:
    suites = project / "expectations" / "suites"
    suites.mkdir(parents=True)
    (suites / "contacts.yaml").write_text("name: contacts\nmeta:\n  owner: crm team\n"
                                          "expectations: []\n")
    code, out = cli("validate")
    assert code == 2
    assert ("expectations/suites/contacts.yaml:2: meta.contactops_table: required key is "
            "missing — add meta: {contactops_table: contacts}") in one_line(out)


@pytest.mark.usefixtures("warehouse_kept")
def test_an_alias_inside_its_own_anchor(project: Path) -> None:
    (project / "pipelines" / "contacts.yaml").write_text("name: x\nsources: &s\n  - *s\n")
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    assert "pipelines/contacts.yaml:3: sources[0]: alias *s refers to its own anchor &s" in out


# -- size and shape ----------------------------------------------------------------------------
@pytest.mark.usefixtures("warehouse_kept")
def test_absurd_nesting(project: Path) -> None:
    (project / "pipelines" / "contacts.yaml").write_text(
        "name: x\nsources: " + "[" * 5000 + "]" * 5000 + "\n")
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    assert "pipelines/contacts.yaml:2:" in out and "nesting deeper than 64 levels" in out
    assert "flatten the structure" in out


@pytest.mark.usefixtures("warehouse_kept")
def test_huge_yaml_file(project: Path) -> None:
    filler = "".join(f"# padding line {i:07d} " + "x" * 80 + "\n" for i in range(50_000))
    pipeline = project / "pipelines" / "contacts.yaml"
    pipeline.write_text(pipeline.read_text() + filler)
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    assert "pipelines/contacts.yaml: <root>: YAML file is" in one_line(out)
    assert "over the 4 MiB limit" in out and "keep data in source files" in out


# -- wrong types -------------------------------------------------------------------------------
@pytest.mark.usefixtures("warehouse_kept")
def test_a_list_where_a_mapping_is_expected(project: Path) -> None:
    (project / "config" / "contactops.yaml").write_text("- project: x\n- warehouse: y\n")
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    assert "config/contactops.yaml:1: <root>: expected a mapping of keys" in one_line(out)
    assert "write 'key: value' lines here" in out


@pytest.mark.usefixtures("warehouse_kept")
def test_a_number_as_a_source_name(project: Path) -> None:
    pipeline = project / "pipelines" / "contacts.yaml"
    pipeline.write_text(pipeline.read_text().replace("name: signups", "name: 2024"))
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    assert ("pipelines/contacts.yaml:5: sources[0].name: Input should be a valid string "
            "(got 2024) — quote it: '2024'") in one_line(out)


@pytest.mark.usefixtures("warehouse_kept")
def test_tabs_for_indentation(project: Path) -> None:
    pipeline = project / "pipelines" / "contacts.yaml"
    pipeline.write_text(pipeline.read_text().replace("    type: csv", "\ttype: csv"))
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    assert ("pipelines/contacts.yaml:6: <root>: invalid YAML: a tab character where YAML "
            "needs spaces — indent with spaces, not tabs") in one_line(out)


@pytest.mark.usefixtures("warehouse_kept")
def test_duplicate_keys(project: Path) -> None:
    pipeline = project / "pipelines" / "contacts.yaml"
    text = pipeline.read_text()
    pipeline.write_text(text.replace("    key: id\n", "    key: id\n    key: Email\n"))
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    assert ("pipelines/contacts.yaml:10: sources[0].key: duplicate key — keep only one of "
            "them") in one_line(out)


@pytest.mark.usefixtures("warehouse_kept")
def test_non_utf8_yaml_bytes(project: Path) -> None:
    settings = project / "config" / "contactops.yaml"
    settings.write_bytes(settings.read_bytes() + b"# caf\xe9 settings\n")
    before = settings.read_bytes()
    code, out = cli("check", "pipelines/contacts.yaml")
    assert code == 2
    line = before.count(b"\n")
    assert (f"config/contactops.yaml:{line}: <root>: not UTF-8 text (byte 0xe9 at column 6"
            in one_line(out))
    assert "save the file as UTF-8" in out
    assert settings.read_bytes() == before


# -- wrong warehouse paths ---------------------------------------------------------------------
@pytest.mark.parametrize(("make", "fragments"), [
    ("csv", ["warehouse people.csv is not a DuckDB database (it looks like a text file such as "
             "a CSV) and is left untouched", "give --warehouse a .duckdb file", "type: csv"]),
    ("sqlite", ["warehouse crm.sqlite is not a DuckDB database (it looks like a SQLite "
                "database)", "type: sqlite"]),
    ("folder", ["warehouse path data is a folder, not a DuckDB file", "data/contacts.duckdb"]),
    ("truncated", ["warehouse cut.duckdb is truncated (5,000 bytes",
                   "restore it from a backup"]),
    ("damaged", ["warehouse cut.duckdb is damaged or truncated", "restore it from a backup"]),
    ("missing_parent", ["warehouse nowhere/deeper/w.duckdb: folder nowhere/deeper does not "
                        "exist — create it (mkdir -p nowhere/deeper)"]),
])
def test_a_wrong_warehouse_path_is_refused_before_any_stage(
        project: Path, make: str, fragments: list[str]) -> None:
    target = {"csv": "people.csv", "sqlite": "crm.sqlite", "folder": "data",
              "truncated": "cut.duckdb", "damaged": "cut.duckdb",
              "missing_parent": "nowhere/deeper/w.duckdb"}[make]
    path = project / target
    if make == "csv":
        path.write_text("id,email\n1,a@example.org\n")
    elif make == "sqlite":
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE people (email TEXT)")
    elif make in ("truncated", "damaged"):
        path.write_bytes((project / WAREHOUSE).read_bytes()[: 5000 if make == "truncated"
                                                             else 20_000])
    kept = digest(path) if path.is_file() else None
    before = digest(project / WAREHOUSE)
    code, out = cli("run", "pipelines/contacts.yaml", "--warehouse", target)
    text = one_line(out)
    assert code == 3, out
    for fragment in fragments:
        assert fragment in text
    assert "stage" not in text and "Traceback" not in text and "unexpected error" not in text
    if kept is not None:
        assert digest(path) == kept
        assert not Path(str(path) + ".wal").exists()
    assert not (project / "nowhere").exists()
    assert_untouched(project, before)


def test_a_sqlite_warehouse_never_loads_an_extension(tmp_path: Path) -> None:
    from contactops.engine import Warehouse

    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert wh.scalar("SELECT current_setting('autoinstall_known_extensions')") is False
        assert wh.scalar("SELECT current_setting('autoload_known_extensions')") is False


@pytest.mark.slow
def test_debug_still_shows_the_traceback_of_a_refused_warehouse(project: Path) -> None:
    (project / "people.csv").write_text("id,email\n")
    done = child(["--debug", "run", "pipelines/contacts.yaml", "--warehouse", "people.csv"],
                 cwd=project)
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "ResourceError" in done.stderr
    quiet = child(["run", "pipelines/contacts.yaml", "--warehouse", "people.csv"], cwd=project)
    assert quiet.returncode == 3 and "Traceback" not in quiet.stderr


# -- the machine refuses -----------------------------------------------------------------------
@pytest.fixture
def shared_copy(baseline: Path) -> Iterator[Path]:
    """The baseline project in a folder other users can reach (pytest's tmp is 0700)."""
    base = Path(tempfile.mkdtemp(prefix="contactops-faults-"))
    try:
        base.chmod(0o755)
        root = base / "proj"
        shutil.copytree(baseline, root)
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield root
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_read_only_warehouse_folder(shared_copy: Path) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the CLI as 'nobody'")
    nobody = pwd.getpwnam("nobody")
    os.chown(shared_copy / WAREHOUSE, nobody.pw_uid, nobody.pw_gid)  # the file is writable,
    before = digest(shared_copy / WAREHOUSE)                       # its folder is not
    home = shared_copy.parent / "home"
    home.mkdir()
    os.chown(home, nobody.pw_uid, nobody.pw_gid)
    done = subprocess.run(
        ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
         "env", f"HOME={home}", sys.executable, "-m", "contactops", "run",
         "pipelines/contacts.yaml"],
        cwd=shared_copy, capture_output=True, text=True, timeout=600)
    text = one_line(done.stderr)
    assert done.returncode == 3, done.stderr
    assert f"warehouse folder {shared_copy / 'warehouse'} is read-only for this user" in text
    assert "contacts.duckdb.wal" in text and "chmod u+w" in text
    assert "Traceback" not in done.stderr and "stage" not in done.stdout
    assert digest(shared_copy / WAREHOUSE) == before
    assert contacts_in(shared_copy / WAREHOUSE) == BASELINE_CONTACTS


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a failed write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_file_size_limit_during_a_run(project: Path) -> None:
    add_more_source(project, 3000)
    done = child(["run", "pipelines/contacts.yaml", "-q"], cwd=project,
                 preexec_fn=lambda: _limit_file_size(64 * 1024))
    text = one_line(done.stderr)
    assert done.returncode == 3, done.stderr
    assert "error: a file-size limit was reached on" in text
    assert "contacts.duckdb.wal (File too large)" in text and "ulimit -f unlimited" in text
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr
    assert contacts_in(project / WAREHOUSE) == BASELINE_CONTACTS
    assert runs_in(project / WAREHOUSE)[-1] == ("failed", 3)
    from contactops.engine import Warehouse

    with Warehouse(project / WAREHOUSE, read_only=True) as wh:  # the new source left nothing
        assert wh.scalar("SELECT count(*) FROM loads WHERE source = 'more'") == 0


@pytest.mark.slow
def test_full_disk_during_a_run(shared_copy: Path) -> None:
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
                           capture_output=True, text=True) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("needs 'unshare -m' and tmpfs mounts (root) to fill a disk for real")
    add_more_source(shared_copy, 3000)
    folder = shared_copy / "warehouse"
    size_kib = (folder / "contacts.duckdb").stat().st_size // 1024 + 48
    kept = shared_copy.parent / "kept"   # the tmpfs vanishes with the namespace: copy out
    kept.mkdir()
    script = (
        f"cp {folder}/contacts.duckdb {kept}/ && "
        f"mount -t tmpfs -o size={size_kib}k tmpfs {folder} && "
        f"cp {kept}/contacts.duckdb {folder}/ && "
        f"{sys.executable} -m contactops run pipelines/contacts.yaml -q; "
        f"echo exit=$?; cp {folder}/contacts.duckdb* {kept}/")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=shared_copy,
                          capture_output=True, text=True, timeout=600)
    text = one_line(done.stderr)
    assert "exit=3" in done.stdout, done.stderr
    assert "error: the disk is full on" in text and "(No space left on device)" in text
    assert "free space on that disk" in text and "Traceback" not in done.stderr
    assert contacts_in(kept / "contacts.duckdb") == BASELINE_CONTACTS
    assert runs_in(kept / "contacts.duckdb")[-1] == ("failed", 3)
