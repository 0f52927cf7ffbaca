"""The customer table: every column it can show, and which show by default."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class CustomerTable(tables.Table):
    name = tables.TemplateColumn(
        template_name="customers/cells/name.html",
        verbose_name=_("Customer name"),
        order_by=("name", "id"),
    )
    id = tables.TemplateColumn(
        template_name="customers/cells/id.html",
        verbose_name=_("Customer ID"),
        order_by=("id",),
    )
    email = tables.Column(verbose_name=_("E-mail"), order_by=("email", "id"))
    phone_number = tables.Column(
        verbose_name=_("Phone number"), order_by=("phone_number", "id"), default="—"
    )
    created_at = tables.TemplateColumn(
        '{% load hub %}<time datetime="{{ value|utc_iso }}">{{ value|utc }}</time>',
        verbose_name=_("Created at (UTC)"),
        order_by=("created_at", "id"),
    )
    updated_at = tables.TemplateColumn(
        '{% load hub %}<time datetime="{{ value|utc_iso }}">{{ value|utc }}</time>',
        verbose_name=_("Updated at (UTC)"),
        order_by=("updated_at", "id"),
    )
    preferred_locale = tables.Column(
        verbose_name=_("Preferred locale"), orderable=False, default="—"
    )
    metadata = tables.TemplateColumn(
        template_name="customers/cells/metadata.html",
        verbose_name=_("Metadata"),
        orderable=False,
    )

    invite = tables.TemplateColumn(
        template_name="customers/cells/invite.html",
        verbose_name=_("Invite"),
        orderable=False,
        empty_values=(),
    )

    default_columns = ("name", "id", "email", "phone_number", "created_at", "invite")
    # Columns only owners and admins see (they create access).
    editor_columns = ("invite",)

    class Meta:
        model = Customer
        fields = ()
        order_by = ("-created_at",)
        order_by_field = "sort"
        page_field = "page"
        per_page_field = "per_page"
        empty_text = _("No customers match.")
        attrs = {"class": "data-table", "id": "customer-table-el"}
        row_attrs = {"data-href": lambda record: reverse("customers:detail", args=[record.pk])}

    @classmethod
    def column_choices(cls) -> list[tuple[str, str]]:
        return [(name, str(column.verbose_name)) for name, column in cls.base_columns.items()]

    @classmethod
    def clean_sort(cls, sort: str | None) -> str | None:
        """A known sortable column (optionally with "-"), else None for the default order.

        django-tables2 drops unknown names but then applies no order at all, which
        would leave pagination without a total order.
        """
        column = cls.base_columns.get((sort or "").removeprefix("-"))
        if column is None or column.orderable is False:
            return None
        return sort

    @classmethod
    def clean_columns(cls, names) -> list[str]:
        """Known column names, without duplicates, in the given order."""
        known = cls.base_columns
        seen: list[str] = []
        for name in names:
            if name in known and name not in seen:
                seen.append(name)
        return seen
