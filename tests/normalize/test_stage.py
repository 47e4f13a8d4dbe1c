"""Stage contract, audit counts and enrichment."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from tests.normalize.conftest import NOW, SETTINGS, frame, run

from contactops.config.normalize import EnrichmentRule, NormalizeSettings
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import OUTPUT_COLUMNS, enrich, normalize


def test_one_row_per_input_and_keys_kept():
    rows = [{"email": "a@b.com"}, {}, {"full_name": "Cher", "phone": "bad"}]
    records, _ = run(rows)
    assert records.columns == list(OUTPUT_COLUMNS)
    assert records["record_id"].to_list() == ["r0", "r1", "r2"]
    assert records["flags"][1].to_list() == ["no_name", "no_channel"]


def test_changes_and_counts_per_rule_and_source():
    out = normalize(frame([{"email": " A@B.com", "first_name": "JOHN"}, {"email": "a@b.com"}]),
                    SETTINGS, NormalizeSettings(), now=NOW)
    _, changes = out.collect()
    assert sorted(changes.select("record_id", "field", "rule").rows()) == [
        ("r0", "email", "email.trim_lower"), ("r0", "first_name", "name.clean")]
    assert changes.filter(field="email").row(0, named=True)["before"] == " A@B.com"
    counts = out.rule_counts().collect()
    assert counts.filter(rule="email.trim_lower")["changed"].item() == 1
    flags = out.flag_counts().collect()
    assert flags.filter(flag="no_channel").is_empty()


@pytest.mark.slow  # ~12 s: optimizing the whole lazy plan, four times
def test_lazy_plans_equal_the_phase_by_phase_collect_in_every_engine():
    # collect() runs the phases in the in-memory engine; the lazy records/changes may be
    # collected by anyone, streaming included (the default engine), and must agree.
    from contactops.testing import make_contacts

    raw = make_contacts(3000, seed=11).records
    lf = raw.lazy().select(
        pl.col("record_key").alias("record_id"), "source", pl.col("source").alias("source_kind"),
        *(pl.col(f) if f in raw.columns else pl.lit(None, dtype=pl.String).alias(f)
          for f in CONTACT_FIELDS))
    out = normalize(lf, SETTINGS, NormalizeSettings(), now=NOW)
    records, changes = out.collect()
    order = ["record_id", "field"]
    for engine in ("streaming", "in-memory"):
        assert_frame_equal(out.records.collect(engine=engine), records)
        assert_frame_equal(out.changes.collect(engine=engine).sort(order, maintain_order=True),
                           changes.sort(order, maintain_order=True))


def test_enrich_fills_only_empty_values_with_provenance():
    records = pl.LazyFrame({"email_domain": ["acme.com", "acme.com", "x.org"],
                            "company": [None, "Kept", None], "industry": [None, None, None]},
                           schema={"email_domain": pl.String, "company": pl.String,
                                   "industry": pl.String})
    ref = pl.LazyFrame({"domain": ["ACME.com "], "name": ["Acme"], "sector": ["Retail"]})
    rule = EnrichmentRule(source="crm", fields={"company": "name", "industry": "sector"})
    out = enrich(records, ref, rule).collect()
    assert out["company"].to_list() == ["Acme", "Kept", None]
    assert out["company_enriched_from"].to_list() == ["crm", None, None]
    assert out["industry"].to_list() == ["Retail", "Retail", None]
    over = enrich(records, ref, rule.model_copy(update={"overwrite": True})).collect()
    assert over["company"].to_list() == ["Acme", "Acme", None]


def test_identity_profile_gives_the_full_runs_identity_columns():
    # match normalizes one record with phases(identity_only=True): every column it gives
    # must be what the stage stores for that record, on generated data with its defects
    from contactops.normalize.stage import (
        IDENTITY_COLUMNS,
        IdentityNormalizer,
        normalize_identity,
    )
    from contactops.testing import make_contacts

    raw = make_contacts(1500, seed=5).records
    frame_ = raw.select(
        pl.col("record_key").alias("record_id"), "source", pl.col("source").alias("source_kind"),
        *(pl.col(f) if f in raw.columns else pl.lit(None, dtype=pl.String).alias(f)
          for f in CONTACT_FIELDS))
    full, _ = normalize(frame_.lazy(), SETTINGS, NormalizeSettings(), now=NOW).collect()
    identity = normalize_identity(frame_, SETTINGS, NormalizeSettings(), now=NOW)
    assert identity.columns == list(IDENTITY_COLUMNS)
    assert {"email_key", "phone_e164", "last_name_key", "company_key", "country",
            "date_of_birth", "external_id_key"} <= set(IDENTITY_COLUMNS)
    assert not {"consent_email", "tags", "flags", "created_at"} & set(IDENTITY_COLUMNS)
    assert_frame_equal(identity, full.select(IDENTITY_COLUMNS))
    # one record at a time through one normalizer (its plan built once), as match calls it
    normalizer = IdentityNormalizer(SETTINGS, NormalizeSettings(), now=NOW)
    for i in (0, 7, 99, 7, 1200):
        assert_frame_equal(normalizer(frame_.slice(i, 1)),
                           full.select(IDENTITY_COLUMNS).slice(i, 1))
    assert_frame_equal(normalizer(frame_.head(40)), full.select(IDENTITY_COLUMNS).head(40))
