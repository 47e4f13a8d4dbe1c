"""Email addresses: display value, matching key, syntax, role, disposable, typo, company hint.

The syntax check is a vectorized regex (an ASCII one for ASCII addresses, a Unicode one for the
rest); only the unique non-ASCII values neither decides go to email-validator, with
deliverability checks off.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from contactops.normalize import email_data as data
from contactops.normalize.text import clean, is_ascii

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
EMAIL_RE = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}$"
# Internationalized addresses in their plain shape (letters/digits of any script) are decided
# here too; only non-ASCII values that fail it go to email-validator.
_U_ATOM = r"[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+"
# Label lengths (at most 63 characters) are checked apart: counted repetitions of Unicode
# classes make the regex automaton huge (35k non-ASCII addresses: 0.24 s -> 0.05 s).
_U_LABEL = r"[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?"
EMAIL_UNICODE_RE = rf"^{_U_ATOM}(?:\.{_U_ATOM})*@(?:{_U_LABEL}\.)+\p{{L}}{{2,}}$"


def _unicode_valid(e: pl.Expr) -> pl.Expr:
    """EMAIL_UNICODE_RE and no domain label longer than 63 characters."""
    longest = (e.str.extract(r"@([^@]*)$", 1).str.split(".")
               .list.eval(pl.element().str.len_chars()).list.max())
    return e.str.contains(EMAIL_UNICODE_RE) & (longest <= 63)


@lru_cache(maxsize=65536)
def _library_valid(address: str) -> bool:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _validate_undecided(undecided: pl.Series) -> pl.Series:
    """email-validator's verdict for the non-null values (once per unique value), else null."""
    todo = undecided.drop_nulls().unique()
    verdict = {value: _library_valid(value) for value in todo.to_list()}
    return undecided.replace_strict(verdict, default=None, return_dtype=pl.Boolean)


def normalize_emails(lf: pl.LazyFrame, *, free_domains: tuple[str, ...] = (),
                     extra_disposable: tuple[str, ...] = (), extra_roles: tuple[str, ...] = (),
                     flag_typos: bool = True, library_fallback: bool = True) -> pl.LazyFrame:
    """Add the email columns to a frame holding ``_raw_email``."""
    email = (clean(pl.col("_raw_email")).str.replace(r"(?i)^mailto:", "")
             .str.strip_chars("<> ").str.to_lowercase().replace("", None))
    lf = lf.with_columns(email=email)
    e = pl.col("email")
    ascii_ = is_ascii(e)
    # Each regex sees only the rows it can decide (the other rows are null, hence skipped):
    # the Unicode pattern is ~40x slower and equals the ASCII one on ASCII text.
    fast = pl.coalesce(pl.when(ascii_).then(e).str.contains(EMAIL_RE),
                       _unicode_valid(pl.when(~ascii_).then(e)))
    undecided = ~fast & ~ascii_ & e.str.contains("@", literal=True)
    if library_fallback:
        library = pl.when(undecided).then(e).map_batches(_validate_undecided,
                                                        return_dtype=pl.Boolean)
        valid = pl.when(undecided).then(library).otherwise(fast)
    else:
        valid = fast & ~undecided
    domain = e.str.extract(r"@([^@]+)$", 1)
    lf = lf.with_columns(email_valid=pl.when(e.is_not_null()).then(valid), email_domain=domain)
    # The local part is what precedes the domain's '@' (a regex extract costs 5x this).
    lf = lf.with_columns(_local=pl.when(pl.col("email_domain").is_not_null()).then(
        e.str.slice(0, e.str.len_chars() - pl.col("email_domain").str.len_chars() - 1)))
    domain, local = pl.col("email_domain"), pl.col("_local")
    gmail = domain.is_in(["gmail.com", "googlemail.com"])
    key_local = pl.when(domain.is_in(list(data.PLUS_ADDRESSING_DOMAINS))).then(
        local.str.replace(r"\+.*$", "")).otherwise(local)
    key_local = pl.when(gmail).then(key_local.str.replace_all(".", "", literal=True)) \
        .otherwise(key_local)
    key_domain = pl.when(gmail).then(pl.lit("gmail.com")).otherwise(domain)
    roles = list(data.ROLE_LOCALPARTS | set(extra_roles))
    disposable = list(data.DISPOSABLE_DOMAINS | set(extra_disposable))
    free = list(data.FREE_MAIL_DOMAINS | {d.lower() for d in free_domains})
    typo = (domain.replace_strict(data.typo_table(), default=None, return_dtype=pl.String)
            if flag_typos else pl.lit(None, dtype=pl.String))
    valid_col = pl.col("email_valid").fill_null(False)
    return lf.with_columns(
        email_key=pl.when(valid_col).then(pl.concat_str(key_local, pl.lit("@"), key_domain)),
        email_is_role=pl.when(e.is_not_null()).then(
            local.str.replace(r"\+.*$", "").is_in(roles).fill_null(False)),
        email_is_disposable=pl.when(e.is_not_null()).then(domain.is_in(disposable)
                                                          .fill_null(False)),
        email_typo_suggestion=typo,
        company_domain_hint=pl.when(valid_col & ~domain.is_in(free) & ~domain.is_in(disposable)
                                    & typo.is_null()).then(domain),
    ).drop("_local")
