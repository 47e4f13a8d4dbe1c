"""The normalize stage's enrichment step: reference sources fill missing fields, with provenance.

A rule of ``normalize.enrichment`` names a source with ``role: reference``; its rows were
landed in ``reference_records`` with their own columns (as ``extras`` JSON). Records get the
filled values, a ``<field>_enriched_from`` column naming the reference source, and one row
per filled value in ``normalization_changes`` (rule ``enrich.<source>``). With
``contactops run --sample N`` the stage's notes say what the rules would fill before a run
on everything.

The rules' names are checked when the pipeline is loaded (:mod:`contactops.config.checks`);
only the columns of the reference rows, which the data decides, are checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.catalog import T
from contactops.errors import ConfigError, ConfigIssue
from contactops.normalize.enrich import enrich_all, enrichment_changes, reference_table

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.normalize import EnrichmentRule


@dataclass
class Enriched:
    records: pl.DataFrame
    changes: pl.DataFrame  # one row per filled value
    notes: list[str] = field(default_factory=list)

    @property
    def filled(self) -> int:
        return self.changes.height


@dataclass
class Enrichment:
    """The rules of a run, with their reference tables read once; :meth:`apply` enriches one
    batch of records after another and :attr:`notes` sums up what every batch filled."""

    rules: list[EnrichmentRule]
    references: dict[str, pl.DataFrame]
    chosen: list[EnrichmentRule]
    skipped: list[str] = field(default_factory=list)
    filled_by: dict[tuple[str, str], int] = field(default_factory=dict)
    records_seen: int = 0

    @classmethod
    def prepare(cls, wh: Any, project: Project, rules: list[EnrichmentRule]) -> Enrichment:
        """Read each rule's reference rows; a rule naming a column they lack is a config
        error (all of them at once). ``wh`` is the warehouse the stage was handed."""
        references: dict[str, pl.DataFrame] = {}
        for rule in rules:
            if rule.source not in references:
                extras = wh.pl(f"SELECT extras FROM {T.current_reference_records} "
                               "WHERE source = ? ORDER BY load_seq, row_number",
                               [rule.source])["extras"]
                references[rule.source] = reference_table(extras)
        skipped = [f"enrichment from {source} skipped: it has no current rows (not loaded "
                   "yet, or its load was undone)"
                   for source, table in references.items() if table.is_empty()]
        active = [(i, rule) for i, rule in enumerate(rules)
                  if not references[rule.source].is_empty()]
        issues = [issue for i, rule in active
                  for issue in _issues(project, i, rule, references[rule.source])]
        if issues:
            raise ConfigError(issues)
        return cls(rules, references, [rule for _, rule in active], skipped)

    def apply(self, records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """One batch of normalized records enriched, and its audit rows (one per filled
        value). Pure: it runs wherever the batch does; :meth:`tally` counts its fills and
        :meth:`absorb` adds every batch's counts up for :attr:`notes`."""
        enriched = enrich_all(records.lazy(),
                              {k: v.lazy() for k, v in self.references.items()},
                              self.chosen).collect()
        # Every configured target has its provenance column, also when its rule was skipped.
        targets = dict.fromkeys(f"{f}_enriched_from" for rule in self.rules for f in rule.fields)
        enriched = enriched.with_columns(pl.lit(None, dtype=pl.String).alias(c)
                                         for c in targets if c not in enriched.columns)
        return enriched, enrichment_changes(records, enriched, self.chosen)

    @staticmethod
    def tally(changes: pl.DataFrame) -> dict[str, int]:
        """Values filled per rule and field in one batch's audit rows, keyed
        ``rule<TAB>field`` (numbers a batch hands back)."""
        return {f"{rule}\t{target}": n
                for rule, target, n in changes.group_by("rule", "field").len().rows()}

    def absorb(self, filled: dict[str, float], records: int) -> None:
        """Add batches' :meth:`tally` counts (summed) and how many records they held."""
        for key, n in filled.items():
            rule, target = key.split("\t")
            self.filled_by[(rule, target)] = self.filled_by.get((rule, target), 0) + int(n)
        self.records_seen += records

    @property
    def filled(self) -> int:
        """Values filled so far, over every chunk."""
        return sum(self.filled_by.values())

    @property
    def notes(self) -> list[str]:
        """Which sources were skipped, and what each rule filled over every chunk."""
        notes = list(self.skipped)
        for source in dict.fromkeys(rule.source for rule in self.chosen):
            mine = sorted((target, n) for (rule, target), n in self.filled_by.items()
                          if rule == f"enrich.{source}")
            filled = ", ".join(f"{target} on {n} records" for target, n in mine)
            notes.append(f"enrichment from {source}: filled {filled or 'nothing'} "
                         f"(of {self.records_seen} records)")
        return notes


def apply_enrichment(wh: Any, project: Project, rules: list[EnrichmentRule],
                     records: pl.DataFrame) -> Enriched:
    """Run the rules whose reference source has current rows over ``records`` (in one
    piece); say what each one filled."""
    enrichment = Enrichment.prepare(wh, project, rules)
    enriched, changes = enrichment.apply(records)
    enrichment.absorb(enrichment.tally(changes), records.height)
    return Enriched(enriched, changes, enrichment.notes)


def _issues(project: Project, index: int, rule: EnrichmentRule, reference: pl.DataFrame,
            ) -> list[ConfigIssue]:
    """Columns a rule names that the reference rows do not have."""
    columns = reference.columns
    wanted = [("reference_key", rule.reference_key),
              *((("fields", target), col) for target, col in rule.fields.items())]
    found = []
    for key, column in wanted:
        if column not in columns:
            path = ("normalize", "enrichment", index, *((key,) if isinstance(key, str) else key))
            found.append(project.config_issue(
                path, f"reference source '{rule.source}' has no such column", column,
                f"its columns: {', '.join(columns)}"))
    return found
