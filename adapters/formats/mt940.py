"""SWIFT MT940 statements (and MT942 interim reports) as :class:`~reconcile.records.BankStatement` records.

A file holds one or more messages; a statement starts at each ``:20:``.
Tags map onto the records as follows: ``:20:`` statement id, ``:28C:``
sequence, ``:25:`` account, ``:60F:``/``:60M:`` opening (``OPBD``/``PRCD``),
``:62F:``/``:62M:`` closing (``CLBD``), ``:64:`` ``CLAV``, ``:65:`` ``FWAV``,
each ``:61:`` one :class:`~reconcile.records.BankEntry` whose remittance is
the ``:86:`` after it. ``RC`` (reversal of a credit) is booked as a debit and
``RD`` as a credit, as SWIFT counts them; ``EC``/``ED`` (expected credit or
debit) are pending entries that move no booked balance. An entry without an
entry date (MMDD) is taken as booked on its value date. The reference for
the account owner (before ``//``) is kept as ``owner_ref`` and is the
entry's end-to-end reference unless ``:86:`` names one (``/EREF/``,
``EREF+``). Amounts are written with the decimal comma, or with ``.`` where
a bank writes it so (Rabobank); a ``.`` followed by more digits than the
currency has (``300.000`` đồng) could be a thousands separator and is
refused. ``:60M:``/``:62M:`` pages of one statement must carry their
balance from page to page; a page that does not is an issue.

Bad files raise :class:`~reconcile.errors.InputError` with the file, the
line and the reason; a balance in another currency than the opening
balance's is one, since its amount cannot be compared. A balance that does
not add up, an entry valued before its entry date, or an entry date far
from its value date, is an :class:`~reconcile.records.Issue`. The file's
encoding (strict UTF-8, else a single-byte code page) is on
:class:`Mt940File` and in the log, never a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from adapters.formats.mt940_fields import StatementLine, read_balance, read_information, read_statement_line
from adapters.formats.mt940_lines import Field, decode, head_text, looks_like_mt940, statement_groups
from reconcile.errors import AmountError, InputError
from reconcile.money import exponent, to_minor
from reconcile.records import Balance, BankEntry, BankStatement, Direction, Issue, Parsed
from reconcile.statements import continuity_issue

logger = logging.getLogger(__name__)

BALANCE_KINDS: Final = {
    "60F": "OPBD",
    "60M": "PRCD",
    "62F": "CLBD",
    "62M": "CLBD",
    "64": "CLAV",
    "65": "FWAV",
}
_BALANCE_NAMES: Final = {
    "60F": "opening",
    "60M": "intermediate opening",
    "62F": "closing",
    "62M": "intermediate closing",
    "64": "closing available",
    "65": "forward available",
}
_OPENING_TAGS: Final = ("60F", "60M")
_CLOSING_TAGS: Final = ("62F", "62M")
_INTERIM_TAGS: Final = frozenset({"34F", "13D"})
#: Fields a statement has at most once, by what they are (``:60F:`` or ``:60M:`` is its opening).
_ONCE: Final = {
    "20": ":20: reference",
    "25": "account :25:",
    "25P": "account :25:",
    "28C": "sequence :28C:",
    "28": "sequence :28C:",
    "60F": "opening balance :60F:/:60M:",
    "60M": "opening balance :60F:/:60M:",
    "62F": "closing balance :62F:/:62M:",
    "62M": "closing balance :62F:/:62M:",
}
_CHARGES: Final = re.compile(r"/CHGS/([A-Z]{3})(\d+,\d*)")
_CREATED: Final = re.compile(r"(\d{10})([+-]\d{4})")
_INTERIM_CURRENCY: Final = re.compile(r"\d*([A-Z]{3})")
_CREDIT_MARKS: Final = frozenset({"C", "RD", "EC"})
_REVERSAL_MARKS: Final = frozenset({"RC", "RD"})
_EXPECTED_MARKS: Final = frozenset({"EC", "ED"})
#: Owner's, bank's and end-to-end references are stored in columns of this width.
_REFERENCE_LIMIT: Final = 128
#: The widths of the columns the statement's reference, account and sequence are stored in.
_TEXT_LIMITS: Final = {"20": 128, "25": 64, "25P": 64, "28C": 64, "28": 64}
#: Placeholders a bank writes as the owner's reference to say "see :86:" (ING).
_PLACEHOLDERS: Final = frozenset({"EREF", "PREF", "KREF", "MREF"})
#: An entry date further than this from its value date is worth a look.
ODD_DATE_GAP_DAYS: Final = 31


class Mt940Parser:
    """Reads SWIFT MT940 and MT942 files, whatever the bank's dialect."""

    name = "mt940"

    def identify(self, path: Path, head: bytes) -> bool:
        return looks_like_mt940(head_text(head))

    def parse(self, path: Path) -> Parsed:
        return read_mt940(path).parsed


@dataclass(frozen=True, slots=True)
class Mt940File:
    """What :func:`read_mt940` read, with the encoding the text was decoded with."""

    parsed: Parsed
    encoding: str


def read_mt940(path: Path) -> Mt940File:
    """Read an MT940/MT942 file, or raise :class:`InputError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=path.name) from exc
    text, encoding = decode(data, path.name)
    if encoding != "utf-8":
        logger.info("%s is not UTF-8; read as %s", path.name, encoding)
    return Mt940File(parse_mt940(text, path.name), encoding)


def parse_mt940(text: str, source: str) -> Parsed:
    """Every statement of an MT940/MT942 text; ``source`` names the file in messages."""
    groups = statement_groups(text, source)
    if not groups:
        raise InputError("no MT940 statement in the file: no :20: field found", source=source)
    statements: list[BankStatement] = []
    issues: list[Issue] = []
    for number, group in enumerate(groups):
        statement = _read_statement(group, source)
        if number and _first(groups[number - 1], ("62M",)) is not None:
            issues.extend(_page_issues(statements[-1], statement, group, source))
        statements.append(statement)
        issues.extend(_date_issues(statement, source))
        continuity = continuity_issue(statement, source, group[0].where)
        if continuity is not None:
            issues.append(continuity)
    interim = any(statement.opening is None for statement in statements)
    return Parsed(format="mt942" if interim else "mt940", statements=tuple(statements), issues=tuple(issues))


def _read_statement(group: list[Field], source: str) -> BankStatement:
    head = group[0]
    statement_id = _within(head, head.value, "statement reference :20:", source)
    if not statement_id:
        raise InputError("MT940 statement reference :20: is empty", source=source, where=head.where)
    account_field = _first(group, ("25", "25P"))
    # :25P: has the account on its first line and the bank's identifier code on the second
    account = account_field.lines[0].strip() if account_field and account_field.tag == "25P" else None
    account = account or (account_field.value if account_field else None)
    if not account:
        raise InputError(
            f"MT940 statement {statement_id} has no account (:25:)", source=source, where=head.where
        )
    assert account_field is not None
    _within(account_field, account, "account :25:", source)
    sequence = _first(group, ("28C", "28"))
    if sequence is not None:
        _within(sequence, sequence.value, "sequence :28C:", source)
    try:
        _check_layout(group, statement_id)
        balance_fields = [field for field in group if field.tag in BALANCE_KINDS]
        balances = tuple(_balance(field) for field in balance_fields)
        currency = _currency(group, statement_id)
        _check_currencies(balance_fields, balances, currency)
        entries = tuple(_entries(group, currency))
    except InputError as exc:
        raise _located(exc, statement_id, source, exc.where or head.where) from exc
    dates = [b.date for b in balances if b.date and b.kind != "FWAV"]
    dates += [entry.booking_date for entry in entries if entry.booking_date]
    return BankStatement(
        statement_id=statement_id,
        sequence=sequence.value if sequence else None,
        account=account,
        currency=currency,
        created_at=_created_at(_first(group, ("13D",))),
        balances=balances,
        entries=entries,
        from_date=min(dates, default=None),
        to_date=max(dates, default=None),
    )


def _within(field: Field, value: str, what: str, source: str) -> str:
    """``value``, if it fits the column it is stored in (a wrapped field is joined, so it can grow)."""
    limit = _TEXT_LIMITS[field.tag]
    if len(value) > limit:
        raise InputError(
            f"{what} {value[:40]!r}... is longer than {limit} characters", source=source, where=field.where
        )
    return value


def _check_layout(group: list[Field], statement_id: str) -> None:
    """Each once-only field once, and no entry after the closing balance.

    A second ``:25:`` or ``:60F:`` means the ``:20:`` of a following statement
    was lost or mistyped: its entries would otherwise be counted in this one.
    """
    seen: dict[str, Field] = {}
    closed = False
    for field in group:
        kind = _ONCE.get(field.tag)
        if kind is not None and kind in seen:
            raise InputError(
                f"MT940 statement {statement_id} has a second {kind} (first on {seen[kind].where}): "
                "is the :20: of a next statement missing or mistyped?",
                where=field.where,
            )
        if kind is not None:
            seen[kind] = field
        closed = closed or field.tag in _CLOSING_TAGS
        if closed and field.tag == "61":
            raise InputError(
                f"MT940 statement {statement_id} has an entry :61: after its closing balance",
                where=field.where,
            )


def _currency(group: list[Field], statement_id: str) -> str:
    """The opening balance's currency; an MT942 report has none and names it in ``:34F:``."""
    opening = _first(group, _OPENING_TAGS)
    interim = opening is None and any(field.tag in _INTERIM_TAGS for field in group)
    if not interim and opening is None:
        raise InputError(f"MT940 statement {statement_id} has no opening balance (:60F:)")
    if not interim and _first(group, _CLOSING_TAGS) is None:
        raise InputError(f"MT940 statement {statement_id} has no closing balance (:62F:)")
    if opening is not None:
        return read_balance(opening.tag, opening.value).currency
    for field in group:
        match = _INTERIM_CURRENCY.match(field.value)
        if field.tag in {"34F", "90D", "90C"} and match:
            return match.group(1)
    raise InputError(f"MT942 report {statement_id} names no currency (:34F:)")


def _balance(field: Field) -> Balance:
    try:
        read = read_balance(field.tag, field.value)
        amount = minor_units(read.amount, read.currency)
    except InputError as exc:
        raise _located(exc, None, None, field.where) from exc
    return Balance(
        BALANCE_KINDS[field.tag], -amount if read.mark == "D" else amount, read.currency, read.date
    )


def _check_currencies(fields: list[Field], balances: tuple[Balance, ...], currency: str) -> None:
    """Every balance in the statement's currency: a USD closing balance is not đồng to compare."""
    for field, balance in zip(fields, balances, strict=True):
        if balance.currency != currency:
            raise InputError(
                f"{_BALANCE_NAMES[field.tag]} balance currency {balance.currency} differs from the "
                f"statement currency {currency}",
                where=field.where,
            )


def _entries(group: list[Field], currency: str) -> list[BankEntry]:
    """One entry per ``:61:``, with the ``:86:`` fields that follow it directly."""
    pending: list[tuple[Field, list[tuple[str, ...]]]] = []
    attach = False
    for field in group:
        if field.tag == "61":
            pending.append((field, []))
            attach = True
        elif field.tag == "86":
            if attach:
                pending[-1][1].append(field.lines)
        elif field.tag != "NS":  # bank-specific :NS: lines may sit between :61: and its :86:
            attach = False
    return [_entry(field, information, currency) for field, information in pending]


def _entry(field: Field, information: list[tuple[str, ...]], currency: str) -> BankEntry:
    try:
        line = read_statement_line(field.lines)
        amount = minor_units(line.amount, currency)
        charges = _charges(line, currency)
        read = read_information(information)
        owner = line.customer_ref if (line.customer_ref or "").rstrip("+") not in _PLACEHOLDERS else None
        end_to_end_id = _bounded(read.end_to_end_id or owner, "end-to-end reference (/EREF/)")
    except InputError as exc:
        raise _located(exc, None, None, field.where) from exc
    return BankEntry(
        amount=amount,
        currency=currency,
        direction=Direction.CREDIT if line.mark in _CREDIT_MARKS else Direction.DEBIT,
        booking_date=line.booking_date or line.value_date,
        value_date=line.value_date,
        reversal=line.mark in _REVERSAL_MARKS,
        status="PDNG" if line.mark in _EXPECTED_MARKS else "BOOK",
        bank_ref=line.bank_ref,
        end_to_end_id=end_to_end_id,
        remittance=read.remittance if read.remittance is not None else line.supplementary,
        charges=charges,
        position=field.where,
        owner_ref=line.customer_ref,
        purpose=read.purpose,
    )


def minor_units(text: str, currency: str) -> int:
    """An MT940 amount in minor units: decimal comma, or ``.`` where the bank writes it so.

    ``.`` followed by more digits than the currency has (``300.000`` đồng,
    ``1.250`` euros) may be a thousands separator, so it is refused rather
    than guessed; Rabobank's ``000000000300.00`` euros is 30000 cents.
    """
    _, dot, fraction = text.partition(".")
    if dot and len(fraction) > max(exponent(currency), 2):
        raise AmountError(
            f"amount {text!r} has {len(fraction)} digits after '.', more than {currency} has: "
            "a thousands separator is not a decimal mark (SWIFT writes 1234,56)"
        )
    return to_minor(text, currency)


def _bounded(reference: str | None, what: str) -> str | None:
    if reference is not None and len(reference) > _REFERENCE_LIMIT:
        raise InputError(f"{what} {reference[:40]!r}... is longer than {_REFERENCE_LIMIT} characters")
    return reference


def _charges(line: StatementLine, currency: str) -> int:
    """Charges the bank names in the supplementary details (``/CHGS/EUR0,50/``), in the entry's currency."""
    match = _CHARGES.search(line.supplementary or "")
    if not match or match.group(1) != currency:
        return 0
    return minor_units(match.group(2), currency)


def _page_issues(before: BankStatement, page: BankStatement, group: list[Field], source: str) -> list[Issue]:
    """A page opened by ``:60M:`` after one closed by ``:62M:`` opens on that page's closing balance."""
    opening = _first(group, ("60M",))
    if opening is None or page.opening is None or before.closing is None:
        return []
    if before.account != page.account or before.currency != page.currency:
        return []
    if before.closing.amount == page.opening.amount:
        return []
    return [
        Issue(
            source,
            opening.where,
            f"statement {page.statement_id} page {page.sequence or '?'}: intermediate opening balance "
            f"{page.opening.amount} does not carry on the closing balance {before.closing.amount} of "
            f"the page before ({before.statement_id} {before.sequence or '?'}), minor units of "
            f"{page.currency}",
        )
    ]


def _date_issues(statement: BankStatement, source: str) -> list[Issue]:
    """An entry valued before its entry date, in camt's words, or an entry date far from its value date."""
    issues = []
    for entry in statement.entries:
        if entry.booking_date and entry.value_date:
            gap = abs((entry.booking_date - entry.value_date).days)
            message = None
            if entry.value_date < entry.booking_date:
                message = f"value date {entry.value_date} is before booking date {entry.booking_date}"
                message += f" ({gap} days)" if gap > ODD_DATE_GAP_DAYS else ""
            elif gap > ODD_DATE_GAP_DAYS:
                message = (
                    f"statement {statement.statement_id}: value date {entry.value_date} is {gap} days "
                    f"from entry date {entry.booking_date}"
                )
            if message is not None:
                issues.append(Issue(source, entry.position, message))
    return issues


def _created_at(field: Field | None) -> dt.datetime | None:
    """MT942 ``:13D:`` (``YYMMDDHHMM+HHMM``), the moment the report was made."""
    match = _CREATED.fullmatch(field.value) if field else None
    if not match:
        return None
    try:
        stamp = dt.datetime.strptime(match.group(1) + match.group(2), "%y%m%d%H%M%z")
    except ValueError:
        return None
    return stamp


def _first(group: list[Field], tags: tuple[str, ...]) -> Field | None:
    return next((field for field in group if field.tag in tags), None)


def _located(exc: InputError, statement_id: str | None, source: str | None, where: str | None) -> InputError:
    reason = exc.reason
    if statement_id and statement_id not in reason:
        reason = f"MT940 statement {statement_id}: {reason}"
    return type(exc)(reason, source=exc.source or source, where=exc.where or where)
