"""The bounds at the edge: amounts of ASCII digits that fit int64, dates 1900–2199, storable text."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconcile import bounds
from reconcile.errors import AmountError
from reconcile.money import grouped_to_minor, to_minor

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("999999999999999999", "VND", 999_999_999_999_999_999),
        ("-999999999999999999", "VND", -999_999_999_999_999_999),
        ("0000000000000000000000075000", "VND", 75000),
        ("9999999999999999.99", "EUR", 999_999_999_999_999_999),
        ("999999999999999.999", "BHD", 999_999_999_999_999_999),
    ],
)
def test_an_amount_of_up_to_18_digits_in_minor_units_is_read_exactly(
    text: str, currency: str, minor: int
) -> None:
    assert to_minor(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("1000000000000000000", "VND"),
        ("12345678901234567890", "VND"),
        ("10000000000000000.00", "EUR"),
        ("9" * 5000, "VND"),  # int() itself refuses text of more than 4,300 digits
        ("9" * 5000 + ".5", "EUR"),
    ],
)
def test_an_amount_beyond_18_digits_is_refused(text: str, currency: str) -> None:
    with pytest.raises(AmountError, match="has more than 18 digits"):
        to_minor(text, currency)


@pytest.mark.parametrize("text", ["٧٥٠٠٠", "７５０００", "७५०००", "75٠٠٠", "1.٥"])
def test_digits_other_than_ascii_are_not_an_amount(text: str) -> None:
    assert int(text.replace(".", "")) > 0  # what Python itself would have read
    with pytest.raises(AmountError, match="not an ASCII digit"):
        to_minor(text, "EUR")


def test_a_grouped_amount_is_held_to_the_same_18_digits() -> None:
    assert grouped_to_minor("999.999.999.999.999.999", "VND", decimal=",", thousands=".") == 10**18 - 1
    with pytest.raises(AmountError, match="has more than 18 digits"):
        grouped_to_minor("1.000.000.000.000.000.000", "VND", decimal=",", thousands=".")


@given(st.text(max_size=60))
def test_any_text_is_an_amount_that_fits_or_an_amount_error(text: str) -> None:
    try:
        minor = to_minor(text, "VND")
    except AmountError:
        return
    assert abs(minor) < bounds.AMOUNT_LIMIT


@pytest.mark.parametrize(
    ("moment", "outside"),
    [
        (dt.datetime(1900, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7))), False),
        (dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=7))), False),
        (dt.datetime(2199, 12, 31, 20, tzinfo=dt.UTC), True),  # 2200-01-01 03:00 in Hà Nội
        (dt.datetime(1899, 12, 31, 12, tzinfo=dt.UTC), True),
        (dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12))), True),
        (dt.datetime(1, 1, 1, tzinfo=dt.UTC), True),
    ],
)
def test_a_moment_is_judged_by_its_local_date(moment: dt.datetime, outside: bool) -> None:
    assert (bounds.moment_problem(moment, HANOI) is not None) is outside


def test_dates_from_1900_to_2199_are_kept() -> None:
    assert bounds.date_problem(dt.date(1900, 1, 1)) is None
    assert bounds.date_problem(dt.date(2199, 12, 31)) is None
    assert bounds.date_problem(dt.date(1899, 12, 31)) == "date 1899-12-31 is outside 1900-01-01..2199-12-31"
    assert bounds.date_problem(dt.date(2200, 1, 1), "booking_date") is not None


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
)
def test_control_characters_are_refused_in_text(char: str) -> None:
    problem = bounds.text_problem(f"T{char}1", "txn_id")
    assert problem == f"txn_id contains the control character U+{ord(char):04X}"


def test_tabs_line_ends_and_letters_are_text() -> None:
    assert bounds.text_problem("Nộp phí\tHS-1\r\n", "remittance") is None
    assert bounds.text_problem("đ" * 128, "txn_id", 128, "gateway_txns.txn_id") is None
    assert bounds.text_problem("đ" * 129, "txn_id", 128, "gateway_txns.txn_id") == (
        "txn_id is 129 characters long, longer than the 128 the database column gateway_txns.txn_id holds"
    )


def test_a_running_total_is_watched_for_int64() -> None:
    nines = [999_999_999_999_999_999] * 12
    assert bounds.first_overflow(nines) == 9  # the tenth amount passes 9,223,372,036,854,775,807
    assert bounds.first_overflow(nines[:9]) is None
    assert bounds.total_problem(sum(nines[:9])) is None
    assert bounds.total_problem(2**63) is not None


#: Text around the edges of the control ranges: the C0 controls and the separators beside them,
#: DEL and the C1 controls, the no-break space and other characters whose UTF-8 form begins
#: with 0xC2 or holds 0x80..0x9F as a continuation byte, Vietnamese letters, an emoji.
_NEAR_CONTROLS = st.text(
    st.sampled_from(
        "\x00\x01\x08\t\n\x0b\x0c\r\x0e\x1f \x7e\x7f\x80\x85\x9f\xa0\xa9\xbf\xc2\xc0"
        'aZ09,;"Hà Nội Đắk Lắk ẫ\u0300\u2028\u200b\ufeff\U0001f600\u0100\u0142\u1e80'
    ),
    max_size=40,
)


@given(_NEAR_CONTROLS)
def test_a_control_is_found_in_utf8_bytes_exactly_where_the_pattern_finds_one(text: str) -> None:
    assert bounds.utf8_has_control(text.encode()) is (bounds.CONTROL.search(text) is not None)


@given(_NEAR_CONTROLS, st.integers(min_value=1, max_value=7))
def test_a_control_is_found_across_the_scans_pieces(text: str, piece: int) -> None:
    """Scanned a few bytes at a time, a C1 control split between two pieces is still found."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bounds, "SCAN_BYTES", piece)
        found = bounds.utf8_has_control(memoryview(text.encode()))
    assert found is (bounds.CONTROL.search(text) is not None)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hà Nội\tĐà Nẵng\r\n", False),
        ("a\u00a0b", False),
        ("a\u0085b", True),
        ("\x7f", True),
        ("a\x00", True),
    ],
)
def test_separators_and_a_no_break_space_are_not_controls(text: str, found: bool) -> None:
    assert bounds.utf8_has_control(text.encode()) is found
