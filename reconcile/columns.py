"""The canonical columns of the tables that flow through the service.

Parsers produce these Arrow schemas whatever the file looked like; the store
loads and returns them; the matching core consumes them. Money columns are
``int64`` minor units (VND: đồng). Dates are local business dates in
Asia/Ho_Chi_Minh; timestamps are UTC.
"""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

import pyarrow as pa

LOCAL_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")

OBLIGATION_KINDS: Final = ("fee", "charge", "land_charge", "registration_tax")
PORTAL_STATUSES: Final = ("paid", "unpaid")
TXN_STATUSES: Final = ("SUCCESS", "REFUND")
#: The asset classes of ``registration_tax_rates.csv`` (DESIGN.md §3): cars first registered (imported
#: or not reduced; domestically built; pick-ups; battery-electric), any car again, motorbikes, real estate.
ASSET_CLASSES: Final = (
    "car_first",
    "car_first_domestic",
    "pickup_first",
    "ev_car_first",
    "car_subsequent",
    "motorbike_first",
    "motorbike_subsequent",
    "real_estate",
)
#: The kinds of ``fee_schedule.csv``: phí (a fee for a service) and lệ phí (a charge for an act).
FEE_KINDS: Final = ("fee", "charge")

_TS = pa.timestamp("us", tz="UTC")

#: The portal's register of obligations (nghĩa vụ thu), one row per payment code.
OBLIGATIONS: Final = pa.schema(
    [
        ("payment_code", pa.string()),  # mã hồ sơ / số thông báo thuế
        ("province_code", pa.string()),
        ("kind", pa.string()),
        ("agency_code", pa.string()),
        ("procedure_code", pa.string()),
        ("amount_vnd", pa.int64()),
        ("issued_at", _TS),
        ("issued_date", pa.date32()),  # local date of issued_at: reference data is judged on it
        ("portal_status", pa.string()),
        ("portal_txn_id", pa.string()),
        ("portal_paid_at", _TS),
        ("portal_paid_date", pa.date32()),  # local date of portal_paid_at
        ("asset_class", pa.string()),
        ("taxable_value_vnd", pa.int64()),
    ]
)

#: A gateway's collected transactions with the batch each was settled in.
GATEWAY_TXNS: Final = pa.schema(
    [
        ("txn_id", pa.string()),
        ("payment_code", pa.string()),
        ("gateway", pa.string()),
        ("province_code", pa.string()),
        ("treasury_account", pa.string()),
        ("amount_vnd", pa.int64()),
        ("fee_vnd", pa.int64()),
        ("status", pa.string()),
        ("paid_at", _TS),
        ("paid_date", pa.date32()),  # local business date of the payment
        ("settlement_date", pa.date32()),
        ("batch_id", pa.string()),
        ("original_txn_id", pa.string()),
        ("line", pa.int64()),  # line in the source file, for messages
    ]
)

#: Bank entries flattened for matching: one row per ``Ntry`` / ``:61:``.
BANK_ENTRIES: Final = pa.schema(
    [
        ("entry_id", pa.int64()),  # the store's id, stable across runs
        ("account", pa.string()),
        ("currency", pa.string()),
        ("direction", pa.string()),  # CRDT / DBIT
        ("amount", pa.int64()),  # unsigned minor units
        ("booking_date", pa.date32()),
        ("value_date", pa.date32()),
        ("reversal", pa.bool_()),
        ("status", pa.string()),
        ("bank_ref", pa.string()),
        ("end_to_end_id", pa.string()),
        ("remittance", pa.string()),
        ("owner_ref", pa.string()),  # MT940 :61: reference for the account owner, tried as a reference
    ]
)

#: The ``TxDtls`` of batch-booked entries, one row per detail.
BANK_ENTRY_DETAILS: Final = pa.schema(
    [
        ("entry_id", pa.int64()),
        ("end_to_end_id", pa.string()),
        ("amount", pa.int64()),
        ("remittance", pa.string()),
    ]
)
