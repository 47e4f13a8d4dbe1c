"""The metadata rules agree with phonenumbers on whatever they decide, in every region."""

from __future__ import annotations

import phonenumbers
import polars as pl
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from contactops.normalize import phone_rules
from contactops.normalize.phones import _library_parse

_FORMATS = (PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL)
_KINDS = (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE,
          PhoneNumberType.VOIP, PhoneNumberType.PREMIUM_RATE)


def _spellings() -> list[tuple[str, str]]:
    """Example numbers of every region and type, in three formats, as written and altered
    (last digit changed, one dropped, one added), each read in its own region and in GB."""
    cases = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in _KINDS:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for fmt in _FORMATS:
                text = phonenumbers.format_number(example, fmt)
                last = text[-1]
                changed = text[:-1] + ("0" if last != "0" else "7")
                for variant in (text, changed, text[:-1], text + "5"):
                    cases += [(variant, region), (variant, "GB")]
    return cases


CASES = _spellings()


def _decide(cases: list[tuple[str, str]]) -> pl.DataFrame:
    frame = pl.DataFrame(cases, schema={"number": pl.String, "region": pl.String}, orient="row")
    inputs = frame.select(
        digits=pl.col("number").str.replace_all(r"\D", ""),
        plus=pl.col("number").str.starts_with("+"),
        region="region",
        eligible=pl.col("number").str.contains(r"^\+?[\d\s().\-/]+$"),
    )
    decided = phone_rules.decide(inputs).rename({"region": "found"})
    return pl.concat([frame, decided], how="horizontal")


def _disagreements(out: pl.DataFrame) -> list[tuple]:
    wrong = []
    for row in out.filter(pl.col("valid").is_not_null()).iter_rows(named=True):
        library = _library_parse(row["number"], row["region"])
        if (row["e164"], row["valid"], row["found"]) != library:
            wrong.append((row["number"], row["region"], row["e164"], row["valid"],
                          row["found"], library))
    return wrong


@pytest.mark.slow
def test_rules_agree_with_the_library_on_every_region():
    out = _decide(CASES)
    assert _disagreements(out)[:20] == []
    # The rules must decide most of them, or the library does all the work again.
    assert out["valid"].is_not_null().sum() > 0.8 * len(CASES)


def test_shared_codes_prefixes_and_plain_cases():
    cases = [("+1 204 555 0100", "US"), ("020 7946 0958", "GB"), ("+44 (0)20 7946 0958", "US"),
             ("030 123456", "DE"), ("06 12 34 56 78", "FR"), ("011 44 20 7946 0958", "US"),
             ("+1 684 733 1234", "US"), ("+1 204 234 5678", "US"), ("0151 12345678", "DE")]
    out = _decide(cases)
    assert _disagreements(out) == []
    found = dict(zip(out["number"], out["found"], strict=True))
    assert found["+1 204 234 5678"] == "CA"  # +1 shared by 25 regions: Manitoba is Canada
    assert found["011 44 20 7946 0958"] == "GB"  # 011 is how the US dials out
    assert out["valid"].is_not_null().all()
