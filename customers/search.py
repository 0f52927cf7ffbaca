"""The top bar's search: an object's ID (or the short form pages show) opens it; any
other text searches customers.

An ID is looked up only among the signed-in business's rows, so another business's
ID is "not found", exactly like an ID that never existed. The short form
(`pay_00qX…fZq4`, see `customers.core.formatting.short_id`) is matched by its head
and its end (the `(business, reverse(id))` indexes of migrations 0016 and 0020); it
opens the object when exactly one matches.
"""

import re

from django.db.models.functions import Reverse
from django.urls import reverse

from customers.models import Business, Customer, LicenseKey, Payment, Refund, Subscription
from wallets.models import LedgerEntry

FULL_ID = re.compile(r"(cus|pay|ref|sub|lic|wle)_[0-9A-Za-z]{25}")
SHORT_ID = re.compile(
    r"(cus|pay|ref|sub|lic|wle)_([0-9A-Za-z]{1,24})(?:…|\.\.\.)([0-9A-Za-z]{4,24})"
)
MODELS = {
    "cus": Customer,
    "pay": Payment,
    "ref": Refund,
    "sub": Subscription,
    "lic": LicenseKey,
    "wle": LedgerEntry,
}
# Where each kind opens: its customer's details page, on the tab that lists it.
TABS = {"sub": "subscriptions", "lic": "license-keys", "wle": "wallet"}


def looks_like_id(term: str) -> bool:
    return bool(FULL_ID.fullmatch(term) or SHORT_ID.fullmatch(term))


def object_find(business: Business, term: str):
    """The business's object `term` names (a full or short ID), or None."""
    term = term.strip()
    if match := FULL_ID.fullmatch(term):
        model = MODELS[match.group(1)]
        return model.objects.filter(business=business, pk=term).first()
    if match := SHORT_ID.fullmatch(term):
        prefix, head, tail = match.groups()
        model = MODELS[prefix]
        found = list(
            model.objects.filter(business=business, pk__startswith=f"{prefix}_{head}")
            .alias(_id_rev=Reverse("id"))
            .filter(_id_rev__startswith=tail[::-1])[:2]
        )
        return found[0] if len(found) == 1 else None
    return None


def object_url(obj) -> str:
    """The page that shows `obj`: a payment's (a refund's payment's) own page, else its
    customer's details on the right tab."""
    prefix = obj.pk.split("_", 1)[0]
    if prefix == "cus":
        return reverse("customers:detail", args=[obj.pk])
    if prefix in ("pay", "ref"):
        payment_id = obj.pk if prefix == "pay" else obj.payment_id
        return reverse("customers:payment_detail", args=[obj.customer_id, payment_id])
    detail = reverse("customers:detail", args=[obj.customer_id])
    return f"{detail}?tab={TABS[prefix]}"
