"""The one FilterSet for customers: the table, the report and the API use it."""

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.core.money import parse_amount
from customers.models import Customer
from customers.reports import summaries
from customers.reports.columns import has_active_subscription
from wallets.selectors import with_wallet_balance

SEARCH_MAX_LENGTH = 100


class CustomerFilterForm(forms.Form):
    """Turns "minimum total paid" ("12.50" + a currency) into minor units."""

    def clean(self):
        data = super().clean()
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


# With only these in use, a minimum total paid can be paged from CustomerSpend alone.
SPENDER_WALK_FILTERS = {"min_paid", "min_paid_currency", "created_after", "created_before"}


def created_range(after: dt.date | None, before: dt.date | None):
    """Dates are whole UTC days, inclusive at both ends: [start, end) datetimes."""
    start = dt.datetime.combine(after, dt.time.min, tzinfo=dt.UTC) if after else None
    end = None
    if before:
        end = dt.datetime.combine(before + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return start, end


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Search by name, e-mail or customer ID"),
                "autocomplete": "off",
                "aria-label": _("Search customers"),
            }
        ),
    )
    created_after = django_filters.DateFilter(
        method="filter_created_after",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before",
        label=_("Created to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    has_phone = django_filters.BooleanFilter(
        method="filter_has_phone",
        label=_("Phone number"),
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("Has a phone number")), ("false", _("No phone"))]
        ),
    )
    has_wallet_balance = django_filters.BooleanFilter(
        method="filter_has_wallet_balance",
        label=_("Wallet balance"),
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("Has wallet balance")), ("false", _("No balance"))]
        ),
    )

    has_active_subscription = django_filters.BooleanFilter(
        method="filter_has_active_subscription",
        label=_("Subscriptions"),
        widget=forms.Select(
            choices=[
                ("", _("Any")),
                ("true", _("Has an active subscription")),
                ("false", _("No active subscription")),
            ]
        ),
    )
    min_paid = django_filters.CharFilter(
        method="filter_min_paid",
        label=_("Total paid at least"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "12.50"}),
    )
    min_paid_currency = django_filters.ChoiceFilter(
        method="filter_nothing",
        label=_("Currency of total paid"),
        choices=[(c, c) for c in settings.WALLET_CURRENCIES],
        empty_label=None,
        # The first currency is the default; leave it out of pushed URLs.
        widget=forms.Select(attrs={"data-default": settings.WALLET_CURRENCIES[0]}),
    )

    class Meta:
        model = Customer
        fields = []
        form = CustomerFilterForm

    def __init__(
        self, data=None, *, business, sort: str | None = None, paged_to: int = 0, **kwargs
    ):
        self.business = business
        self.sort = sort or "-created_at"  # the order the results will be shown in
        # When only pages up to this many rows are ever shown (the customer table),
        # more matches than that need not be found (see _spender_ids).
        self.paged_to = paged_to
        super().__init__(data, queryset=Customer.objects.for_business(business), **kwargs)

    def unpaged(self) -> "CustomerFilter":
        """The same filters where every match can be found (charts, exports)."""
        if not self.paged_to:
            return self
        unpaged = CustomerFilter(self.data, business=self.business, sort=self.sort)
        ids = self._spender_ids()
        if ids is not None and len(ids) <= settings.CUSTOMER_LIST_COUNT_CAP:
            # Fewer than the pages could show: every match, with or without pages.
            unpaged._spender_ids_found = ids
            unpaged._spenders_are_matches = self._spenders_are_matches
        return unpaged

    def filter_queryset(self, queryset):
        # A minimum total paid is located on CustomerSpend's indexes first (see
        # _spender_ids). When that yields the matching IDs, start from those
        # customers, fetched by key: big spenders are mostly old customers, and a
        # newest-first scan of the customers table hoping to meet them soon reads
        # all of it.
        ids = self._spender_ids()
        if ids is not None:
            queryset = Customer.objects.among(ids, self.business)
        return super().filter_queryset(queryset)

    @property
    def known_count(self) -> int | None:
        """How many match (up to paged_to), when _spender_ids settled it with every
        filter applied; for the capped count."""
        ids = self._spender_ids()
        return len(ids) if ids is not None and self._spenders_are_matches else None

    def _without_min_paid(self) -> "CustomerFilter":
        data = self.data.copy()
        for name in ("min_paid", "min_paid_currency"):
            data.pop(name, None)
        return CustomerFilter(data, business=self.business, sort=self.sort)

    def _spender_ids(self) -> list[str] | None:
        """With a minimum total paid, the IDs of the customers who reach it, when
        CustomerSpend's indexes alone can tell:

        - at most the count cap of them (in the date range): all of them;
        - more, shown by sign-up date (the default order) in pages that never go
          past `paged_to` rows: the first `paged_to` in that order that also match
          the other filters (the pages and the capped count go no further), walked
          on the spend index.

        Otherwise None, and filter_min_paid probes CustomerSpend per customer.
        """
        if hasattr(self, "_spender_ids_found"):
            return self._spender_ids_found
        used = self.used()
        minimum = used.get("min_paid")
        ids = None
        # True when `ids` are exactly the matches of every filter in use.
        self._spenders_are_matches = set(used) <= SPENDER_WALK_FILTERS
        if isinstance(minimum, int) and minimum > 0:
            cap = settings.CUSTOMER_LIST_COUNT_CAP
            currency = used["min_paid_currency"]
            since, until = created_range(used.get("created_after"), used.get("created_before"))
            ids = summaries.spenders(
                self.business, currency, minimum, cap, since=since, until=until
            )
            by_signup = self.sort.lstrip("-") == "created_at"
            newest_first = self.sort.startswith("-")
            if ids is None and self.paged_to > cap and by_signup:
                if set(used) <= SPENDER_WALK_FILTERS:
                    ids = summaries.spenders_in_order(
                        self.business,
                        currency,
                        minimum,
                        self.paged_to,
                        newest_first=newest_first,
                        since=since,
                        until=until,
                    )
                else:  # the other filters, checked on each spender's row in that order
                    self._spenders_are_matches = True
                    ids = summaries.spenders_among(
                        self._without_min_paid().qs,
                        currency,
                        minimum,
                        self.paged_to,
                        newest_first=newest_first,
                    )
        self._spender_ids_found = ids
        return ids

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=created_range(value, None)[0])

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=created_range(None, value)[1])

    def filter_has_phone(self, queryset, name, value):
        if value:
            return queryset.exclude(phone_number="")
        return queryset.filter(phone_number="")

    def filter_has_wallet_balance(self, queryset, name, value):
        # An EXISTS subquery on the wallets' (business, customer, …) index.
        return with_wallet_balance(queryset, value)

    def filter_has_active_subscription(self, queryset, name, value):
        exists = has_active_subscription()
        return queryset.filter(exists) if value else queryset.exclude(exists)

    def filter_min_paid(self, queryset, name, value):
        # The form turned "12.50" into minor units of the chosen currency.
        if value <= 0 or self._spender_ids() is not None:
            return queryset  # nothing to ask, or filter_queryset started from them
        # Many match: probe CustomerSpend (one index lookup) per customer along the
        # page's own order. Shown by sign-up date, only between the oldest and the
        # newest of them (two index lookups), so a page starts where they are.
        currency = self.form.cleaned_data["min_paid_currency"]
        queryset = queryset.filter(summaries.paid_at_least(currency, value))
        if self.sort.lstrip("-") == "created_at":
            first, last = summaries.spenders_span(self.business, currency, value)
            queryset = queryset.filter(created_at__gte=first, created_at__lte=last)
        return queryset

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_min_paid

    def used(self) -> dict:
        """The valid filter values in use, by name (empty ones left out)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        data = getattr(self.form, "cleaned_data", {})
        return {key: value for key, value in data.items() if value not in (None, "")}

    @property
    def active_count(self) -> int:
        """How many filters (besides search) are in use, for the Filters button."""
        return len([key for key in self.used() if key not in ("q", "min_paid_currency")])

    @property
    def is_filtered(self) -> bool:
        return bool(self.used())
