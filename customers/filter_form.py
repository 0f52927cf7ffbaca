"""The customer list's filter form: it parses and validates the query string's filter
values (turning "12.50" and a currency into minor units), and its fields, like
django-filter's filters, are copied per request only as deep as a request changes
them."""

import copy
import datetime as dt
import functools

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.core.money import parse_amount
from customers.filter_queries import CREDIT_FILTERS
from wallets.credits.amounts import parse_credits
from wallets.credits.errors import InvalidCreditRequest

# The last day a date filter takes: a day later still fits in a datetime (the end of
# a range is the next midnight) and a chart bar after it too.
LAST_DATE = dt.date(9998, 12, 31)


def validate_filter_date(value: dt.date) -> None:
    if value > LAST_DATE:
        raise ValidationError(
            _("Enter a date up to %(last)s."), code="max_value", params={"last": LAST_DATE}
        )


class CustomerFilterForm(forms.Form):
    """Turns "minimum total paid" ("12.50" + a currency) into minor units, and "credit
    balance below" ("100" of an entitlement) into thousandths of a credit."""

    credit_entitlements: list = []  # the business's live ones (set by CustomerFilter)

    def clean(self):
        data = super().clean()
        self._clean_credits(data)
        raw = data.get("min_paid")
        if not raw:
            data["min_paid_currency"] = ""  # a currency alone filters nothing
            return data
        currency = data.get("min_paid_currency") or settings.WALLET_CURRENCIES[0]
        try:
            data["min_paid"] = parse_amount(raw, currency)
        except ValidationError as exc:
            self.add_error("min_paid", exc)
        data["min_paid_currency"] = currency
        return data

    def _clean_credits(self, data) -> None:
        """`credits_below` and `credits_overage` read the credit chosen in `credits`
        (the only one, when the business has one); overage alone may be of any."""
        chosen = data.get("credits")
        below = data.get("credits_below")
        only = self.credit_entitlements[0].pk if len(self.credit_entitlements) == 1 else ""
        asked = below or data.get("credits_overage")
        if asked and only and not chosen and "credits" not in self.errors:
            chosen = data["credits"] = only
        if not below:
            return
        by_id = {e.pk: e for e in self.credit_entitlements}
        if chosen not in by_id:
            if "credits" not in self.errors:
                self.add_error("credits_below", _("Choose the credit whose balance to compare."))
            return
        try:
            data["credits_below"] = parse_credits(
                below, by_id[chosen].precision, field="credits_below"
            )
        except InvalidCreditRequest as exc:
            self.add_error("credits_below", str(exc.message))


# The form fields a request changes (its business's choices, its credit widgets);
# the others are shared by every request's form.
PER_REQUEST_FIELDS = ("tag", *CREDIT_FILTERS)


class CopiedAsNeeded(dict):
    """Filters or form fields, copied per request only as deep as a request changes
    them: django-filter deep-copies every filter, and Django every form field, on each
    request (with their widgets and choices), though a request changes only a few.
    `copy.deepcopy` of this mapping gives each value through `copier(name, value)`."""

    def __init__(self, values: dict, copier):
        super().__init__(values)
        self.copier = copier

    def __deepcopy__(self, memo):
        return {name: self.copier(name, value) for name, value in self.items()}


def _copy_field(name: str, field: forms.Field) -> forms.Field:
    """A field a request changes is copied with its widget, one level deep: a request
    only assigns them new choices or a new widget, never changes one in place."""
    if name not in PER_REQUEST_FIELDS:
        return field
    copied = copy.copy(field)
    copied.widget = copy.copy(field.widget)
    return copied


def copy_filter(_name: str, filter_: django_filters.Filter) -> django_filters.Filter:
    """The filter without its field and choices (a request sets only its `model` and
    `parent`); setting `method` again points the filter's method at the copy."""
    copied = copy.copy(filter_)
    copied.method = filter_.method
    return copied


@functools.cache
def form_class_of(filterset: type[django_filters.FilterSet]) -> type[forms.Form]:
    """The filters' form class. Its fields carry the class the table's form applies
    a filter by as soon as it changes (hx-trigger "change from:.filter-field"), as
    search applies as one types."""
    fields = {name: filter_.field for name, filter_ in filterset.base_filters.items()}
    for name, field in fields.items():
        if name != "q":
            classes = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{classes} filter-field".strip()
    form_class = type(f"{filterset.__name__}Form", (filterset._meta.form,), fields)
    form_class.base_fields = CopiedAsNeeded(form_class.base_fields, _copy_field)
    return form_class
