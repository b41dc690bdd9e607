"""Google Contacts CSV columns, for the label-group benchmark and the label-group tests."""

from __future__ import annotations

# The label and value columns of two e-mail and three phone pairs, in Google's order.
LABEL_PAIR_HEADERS = (
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "E-mail 2 - Label",
    "E-mail 2 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
    "Phone 2 - Label",
    "Phone 2 - Value",
    "Phone 3 - Label",
    "Phone 3 - Value",
)
