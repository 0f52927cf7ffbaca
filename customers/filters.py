"""The one FilterSet of the customer list: search and filters as the table, Build
Report and the exports take them from the query string.

It parses and validates (its form, customers.filter_form) and applies each filter to
a queryset (customers.filter_queries). A query string's outcome (the values in use,
whether one was refused) is kept per process, so a list's form is made only when it
is drawn. It holds no paging state: the list pipeline (`customers.listing.
CustomerList`) decides where filtering starts and applies the minimum total paid
itself, on the kept spend figures.
"""

import functools

import django_filters
from django import forms
from django.conf import settings
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

from customers.core.fragments import Keep
from customers.filter_form import (
    CopiedAsNeeded,
    CustomerFilterForm,
    copy_filter,
    form_class_of,
    validate_filter_date,
)
from customers.filter_queries import (
    CREDIT_FILTERS,
    IDS_MAX,
    YES_NO_FILTERS,
    among_ids,
    created_range,
    created_since,
    created_until,
    parse_ids,
    tagged,
)
from customers.models import Customer
from customers.notes.selectors import tag_choices
from wallets.credits.selectors import column_entitlements, holding_credits

SEARCH_MAX_LENGTH = 100
# The longest filter values (in all) whose Filters menu is kept, drawn once.
PANEL_KEY_MAX = 200


# What validating a query string gave (its values in use, whether one was refused), by
# the query string's filter values, the business's tags when one is chosen and its live
# credits: the same outcome every time, so a list's form is made only to draw it. At
# most VALIDATED_MAX per process; longer values are validated each time.
VALIDATED_MAX = 512
VALIDATED_KEY_MAX = 2000
_validated = Keep(VALIDATED_MAX)


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
        validators=[validate_filter_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before",
        label=_("Created to"),
        validators=[validate_filter_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    has_phone = django_filters.BooleanFilter(
        method="filter_yes_no",
        label=_("Phone number"),
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("Has a phone number")), ("false", _("No phone"))]
        ),
    )
    has_wallet_balance = django_filters.BooleanFilter(
        method="filter_yes_no",
        label=_("Wallet balance"),
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("Has wallet balance")), ("false", _("No balance"))]
        ),
    )

    has_active_subscription = django_filters.BooleanFilter(
        method="filter_yes_no",
        label=_("Subscriptions"),
        widget=forms.Select(
            choices=[
                ("", _("Any")),
                ("true", _("Has an active subscription")),
                ("false", _("No active subscription")),
            ]
        ),
    )
    tag = django_filters.ChoiceFilter(
        method="filter_tag",
        label=_("Tag"),
        empty_label=_("Any"),
    )
    ids = django_filters.CharFilter(
        method="filter_ids",
        label=_("Selected customers"),
        max_length=IDS_MAX * 31,
        validators=[parse_ids],
        widget=forms.HiddenInput,
    )
    min_paid = django_filters.CharFilter(
        method="filter_nothing",  # applied by CustomerList, on the kept spend figures
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
    credits = django_filters.ChoiceFilter(
        method="filter_credits",
        label=_("Has credits of"),
        empty_label=_("Any"),
    )
    credits_below = django_filters.CharFilter(
        method="filter_nothing",  # applied by filter_credits, with the credit chosen
        label=_("Credit balance below"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "100"}),
    )
    credits_overage = django_filters.BooleanFilter(
        method="filter_credits_overage",
        label=_("Credit overage"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("In overage"))]),
    )

    class Meta:
        model = Customer
        fields = []
        form = CustomerFilterForm

    def __init__(self, data=None, *, business, **kwargs):
        self.business = business
        # The filters apply to the queryset the list hands them (filter_queryset), never
        # to one of their own: no queryset is built for them.
        super().__init__(data, queryset=Customer.objects.none(), **kwargs)
        # The business's own tags (another business's tag ID is an invalid choice), read
        # once and only when needed: to draw the menu or check a chosen tag (an export
        # or the API with no tag filter reads none).
        self.tag_choices = functools.cache(functools.partial(tag_choices, business_id=business.pk))
        # The live credit entitlements (one query): the credit filters' choices, and
        # what the table's credits column and the reports' credit columns show.
        self.credit_entitlements = column_entitlements(business)

    @property
    def form(self):
        """The filters' form, made only when read: a list with no filter in use, whose
        Filters menu is kept (panel_key), never needs one."""
        if not hasattr(self, "_form"):
            form = super().form
            form.fields["tag"].choices = CallableChoiceIterator(self.tag_choices)  # and "Any"
            form.credit_entitlements = self.credit_entitlements
            form.fields["credits"].choices = [(e.pk, e.name) for e in self.credit_entitlements]
            if not self.credit_entitlements:  # nothing to choose: kept out of sight
                for name in CREDIT_FILTERS:
                    form.fields[name].widget = forms.HiddenInput({"class": "filter-field"})
        return self._form

    @property
    def has_errors(self) -> bool:
        if not self.is_bound:
            return False
        if not hasattr(self, "_has_errors"):
            self.used()
        return self._has_errors

    @classmethod
    def get_filters(cls):
        return CopiedAsNeeded(super().get_filters(), copy_filter)

    def get_form_class(self):
        """The form class, built once: django-filter makes a new class, and a new field
        for every filter, on each request (a tenth of the list's view code). Each
        form still deep-copies the fields, as every Django form does."""
        return form_class_of(type(self))

    def filter_queryset(self, queryset):
        """`queryset` with the search and every valid filter in use; unbound, all of it.
        (Invalid values are left out: the form shows their errors.)"""
        if not self.is_bound:
            return queryset
        self.errors  # noqa: B018 - validate first, as FilterSet.qs does
        return super().filter_queryset(queryset)

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_created_after(self, queryset, name, value):
        return created_since(queryset, created_range(value, None)[0])

    def filter_created_before(self, queryset, name, value):
        return created_until(queryset, created_range(None, value)[1])

    def filter_yes_no(self, queryset, name, value):
        return YES_NO_FILTERS[name](queryset, value)

    def filter_tag(self, queryset, name, value):
        return tagged(queryset, self.business.pk, value)

    def filter_credits(self, queryset, name, value):
        # EXISTS on CreditBalance's (business, customer, entitlement) index.
        data = self.form.cleaned_data
        below = data.get("credits_below")
        condition = holding_credits(
            [value],
            below=below if isinstance(below, int) else None,
            overage=bool(data.get("credits_overage")),
        )
        return queryset.filter(condition)

    def filter_credits_overage(self, queryset, name, value):
        if not value or self.form.cleaned_data.get("credits"):
            return queryset  # not asked, or applied by filter_credits with its credit
        live = [e.pk for e in self.credit_entitlements]
        return queryset.filter(holding_credits(live, overage=True))

    def filter_ids(self, queryset, name, value):
        return among_ids(queryset, parse_ids(value))

    def filter_nothing(self, queryset, name, value):
        return queryset  # parsed here, applied by customers.listing.CustomerList

    def used(self) -> dict:
        """The valid filter values in use, by name (empty ones left out). A query
        string's outcome is kept (see _validated): the form validates it once."""
        if not self.is_bound:
            return {}
        key = self._validation_key()
        found = _validated.get(key) if key is not None else None
        if found is None:
            self.form.is_valid()
            data = getattr(self.form, "cleaned_data", {})
            used = {key: value for key, value in data.items() if value not in (None, "")}
            found = used, bool(self.form.errors)
            if key is not None:
                _validated.put(key, found)
        self._has_errors = found[1]
        return dict(found[0])

    def _validation_key(self) -> tuple | None:
        """What validating the query string depends on: its filter values, the business's
        tags when one is chosen, and its live credits; None when the values are long."""
        given = self._given(self.base_filters, VALIDATED_KEY_MAX)
        if given is None:
            return None
        data = self.data
        tags = tuple(pk for pk, _name in self.tag_choices()) if "tag" in data else ()
        credits = tuple((e.pk, e.precision) for e in self.credit_entitlements)
        return given, tags, credits

    def panel_key(self) -> tuple | None:
        """What the Filters menu shows besides the language, as a key to keep it by
        (customers.core.fragments.kept): each field's values as given, the tags and
        credits to choose from (what its errors depend on too); the hidden fields
        are not in it. None when the values are too long to be worth keeping. Read
        off the query string, without making the form."""
        hidden = self._hidden_fields()
        shown = [name for name in self.base_filters if name != "q" and name not in hidden]
        given = self._given(shown, PANEL_KEY_MAX)
        if given is None:
            return None
        tags = tuple((str(pk), str(name)) for pk, name in self.tag_choices())
        credits = tuple((e.pk, e.name) for e in self.credit_entitlements)
        return given, tags, credits

    def search_key(self) -> tuple | None:
        """The search box's key (customers/_search_box.jinja): its text as given."""
        return self._given(["q"], PANEL_KEY_MAX)

    def _given(self, names, longest: int) -> tuple | None:
        """(name, values) of those of `names` in the query string, as given; None when
        their values are longer than `longest` characters in all."""
        data = self.data
        given = tuple((name, tuple(data.getlist(name))) for name in names if name in data)
        if sum(len(value) for _name, values in given for value in values) > longest:
            return None
        return given

    def _hidden_fields(self) -> set[str]:
        """The fields drawn as hidden inputs (the Filters menu leaves them out)."""
        fields = self.get_form_class().base_fields
        hidden = {name for name, field in fields.items() if field.widget.is_hidden}
        return hidden if self.credit_entitlements else hidden | set(CREDIT_FILTERS)

    @property
    def active_count(self) -> int:
        """How many filters (besides search) are in use, for the Filters button."""
        used = self.used()
        return len([key for key in used if key not in ("q", "min_paid_currency", "ids")])

    @property
    def is_filtered(self) -> bool:
        return bool(self.used())
