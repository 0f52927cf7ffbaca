"""The customer table: every column it can show, and which show by default."""

import copy
import datetime as dt
import functools
import inspect
from functools import cached_property

import django_tables2 as tables
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableData

from customers.accounts.preferences import table_columns_saved
from customers.core.formatting import (
    avatar_hue,
    copy_button,
    escape,
    short_id,
    url_for_each,
    utc,
    utc_iso,
)
from customers.core.money import format_money
from customers.models import Customer
from customers.notes.selectors import tags_of
from wallets.credits.amounts import credits_display

DEFAULT_SORT = "-created_at"  # newest first, then the newest ID (see customers.listing)


class PreparedTableData(TableData):
    """A prepared selector's rows (customers.core.prepared.PreparedRows) as a table's
    data: already in the table's order (its SQL carries it) and read a page at a
    time by the list's paginator, which counts them itself."""

    def order_by(self, aliases):
        pass  # ordered by the selector's SQL

    @property
    def model(self):
        return Customer


class Column(tables.Column):
    """django-tables2 deep-copies every column of the class for each table it makes:
    seventeen columns with their lazy labels, attrs and accessors, about 1,100 copies,
    a tenth of the list's server time. django-tables2 only ever reassigns a column's
    attributes (accessor, visible), never changes one in place, so a shallow copy
    keeps the class's columns as untouched as a deep one."""

    def __deepcopy__(self, memo):
        return copy.copy(self)


class CustomerTable(tables.Table):
    # Cells render as strings in Python (render_* below, every value escaped): a
    # TemplateColumn flattens the whole page context per cell, which at 25-100 rows
    # was most of the list's server time; format_html's lazy-string checks on every
    # argument were the most of what was left.
    name = Column(
        verbose_name=_("Customer name"),
        order_by=("name", "id"),
        empty_values=(),  # a deleted customer (no name) still gets its link
    )
    id = Column(verbose_name=_("Customer ID"), order_by=("id",))
    email = Column(verbose_name=_("E-mail"), order_by=("email", "id"))
    phone_number = Column(
        verbose_name=_("Phone number"), order_by=("phone_number", "id"), default="—"
    )
    created_at = Column(
        verbose_name=_("Created at (UTC)"),
        order_by=("created_at", "id"),
    )
    updated_at = Column(
        verbose_name=_("Updated at (UTC)"),
        order_by=("updated_at", "id"),
    )
    preferred_locale = Column(verbose_name=_("Preferred locale"), orderable=False, default="—")
    metadata = Column(verbose_name=_("Metadata"), orderable=False, empty_values=())

    # Money and activity, from the kept figures (customers.reports.columns): the list
    # view adds each figure's subquery only when one of its columns is shown, so the
    # page stays one query. Not sortable here: Build Report sorts and filters by them.
    total_paid = Column(
        verbose_name=_("Total paid"), orderable=False, empty_values=(), accessor="pk"
    )
    refunded = Column(verbose_name=_("Refunded"), orderable=False, empty_values=(), accessor="pk")
    wallet_balance = Column(
        verbose_name=_("Wallet balance"), orderable=False, empty_values=(), accessor="pk"
    )
    active_subscriptions = Column(
        verbose_name=_("Active subscriptions"), orderable=False, empty_values=(), accessor="pk"
    )
    last_payment_at = Column(
        verbose_name=_("Last payment (UTC)"), orderable=False, empty_values=(), accessor="pk"
    )
    # One line per live credit entitlement the customer holds (the view sets
    # `credit_entitlements`); a merchant has a handful, so one column reads best.
    credits = Column(verbose_name=_("Credits"), orderable=False, empty_values=(), accessor="pk")

    tags = Column(verbose_name=_("Tags"), orderable=False, empty_values=())
    invite = Column(
        verbose_name=_("Invite"),
        orderable=False,
        empty_values=(),
    )

    default_columns = ("name", "id", "email", "phone_number", "created_at", "invite")
    # Figure columns and the annotation (`r_<source>`) each reads.
    figure_columns = {
        "total_paid": "spend",
        "refunded": "spend",
        "wallet_balance": "wal",
        "active_subscriptions": "subs",
        "last_payment_at": "pay",
        "credits": "credits",
    }
    # Columns only owners and admins see (they create access).
    editor_columns = ("invite",)
    # The business's live entitlements, as the credits column shows them (the view's).
    credit_entitlements: list = []

    class Meta:
        model = Customer
        fields = ()
        order_by = (DEFAULT_SORT,)
        order_by_field = "sort"
        page_field = "page"
        per_page_field = "per_page"
        empty_text = _("No customers match.")
        attrs = {"class": "data-table", "id": "customer-table-el"}

    @cached_property
    def _detail_url(self):
        return url_for_each("customers:detail")

    @cached_property
    def _text(self) -> dict[str, str]:
        """Words every row repeats, translated (and escaped) once per page rather than
        once per row."""
        return {
            "deleted": str(_("Deleted customer")),
            "copy_id": str(_("Copy customer ID")),
            "invite_title": escape(_("Share a customer portal link")),
            "invite": escape(_("Invite")),
            "select": str(_("Select %(name)s")),
        }

    def render_name(self, record):
        url, name = (
            escape(self._detail_url(record.pk)),
            escape(record.name or self._text["deleted"]),
        )
        return SafeString(  # every value escaped
            f'<a class="name-cell" href="{url}"><span class="avatar hue-{avatar_hue(record.pk)}" '
            f'aria-hidden="true">{escape(record.initials)}</span>'
            f'<span class="truncate">{name}</span></a>'
        )

    def render_id(self, record):
        pk = escape(record.pk)
        return SafeString(  # every value escaped
            f'<span class="id-cell"><code title="{pk}">{escape(short_id(record.pk))}</code>'
            f"{copy_button(record.pk, self._text['copy_id'])}</span>"
        )

    def render_metadata(self, record):
        if not record.metadata:
            return "—"
        return format_html(
            '<span class="kv-list">{}</span>',
            format_html_join(
                "",
                '<span class="kv"><span class="k">{}</span>{}</span>',
                record.metadata.items(),
            ),
        )

    def render_created_at(self, value):
        return SafeString(f'<time datetime="{utc_iso(value)}">{escape(utc(value))}</time>')

    render_updated_at = render_created_at

    def render_total_paid(self, record):
        return _amounts(record.r_spend, "{}")

    def render_refunded(self, record):
        return _amounts(record.r_spend, "{}_refunded")

    def render_wallet_balance(self, record):
        return _amounts(record.r_wal, "{}")

    def render_active_subscriptions(self, record):
        return record.r_subs or "—"

    def render_last_payment_at(self, record):
        last = (record.r_pay or {}).get("last")
        if not last:
            return "—"
        if isinstance(last, str):  # JSON carries it as text
            last = dt.datetime.fromisoformat(last)
        return self.render_created_at(last)

    def render_credits(self, record):
        figures = record.r_credits or {}
        lines = []
        for entitlement in self.credit_entitlements:
            balance = figures.get(entitlement.pk)
            if balance is None:  # holds no balance of it
                continue
            overage = figures.get(f"{entitlement.pk}_over") or 0
            if overage:
                # Red, and said in words for those who do not see the colour.
                amount = format_html(
                    '<span class="credit-overage" title="{}">−{}'
                    '<span class="visually-hidden"> ({})</span></span>',
                    _("In overage"),
                    credits_display(overage, entitlement.precision),
                    _("In overage"),
                )
            else:
                amount = credits_display(balance, entitlement.precision)
            lines.append((entitlement.name, amount))
        if not lines:
            return "—"
        return format_html_join(
            "",
            '<span class="credit-line"><span class="credit-name">{}</span> {}</span>',
            lines,
        )

    def render_tags(self, record):
        # The view prefetches them (customers.notes.selectors.with_tags): no query per row.
        return format_html_join(
            " ",
            '<span class="tag-chip tag-{}">{}</span>',
            ((tag.color, tag.name) for tag in tags_of(record)),
        ) or format_html('<span class="muted">{}</span>', "—")

    @cached_property
    def _invite_url(self):
        return url_for_each("customer_invite")

    def render_invite(self, record):
        url, text = escape(self._invite_url(record.pk)), self._text
        return SafeString(  # every value escaped
            f'<a class="btn btn-secondary btn-sm invite-btn" href="{url}" hx-get="{url}" '
            f'hx-target="#modal-body" hx-swap="innerHTML" title="{text["invite_title"]}">'
            f"{text['invite']}</a>"
        )

    def rows_html(self, *, bulk: bool) -> str:
        """The page's rows in one pass: each shown column's renderer is looked up once,
        not once per cell through django-tables2's per-cell dispatch and the template
        loop (most of the list's rendering time at 25–100 rows). A column without a
        render_* method shows its value, or its default when empty, escaped."""
        cells = [(escape(column.name), self._cell_renderer(column)) for column in self.columns]
        rows = []
        for row in self.paginated_rows:
            record = row.record
            pk = escape(record.pk)
            select = ""
            if bulk:
                label = escape(self._text["select"] % {"name": record.name})
                select = (
                    f'<td class="col-select"><input type="checkbox" name="ids" value="{pk}" '
                    f'form="bulk-form" data-select-row aria-label="{label}"></td>'
                )
            tds = "".join(
                f'<td class="col-{name}">{escape(render(row))}</td>' for name, render in cells
            )
            rows.append(f'<tr data-href="{escape(self._detail_url(record.pk))}">{select}{tds}</tr>')
        return SafeString("\n".join(rows))  # every value escaped above

    def _cell_renderer(self, column):
        """A function of the row giving the cell's content."""
        name, accessor = column.name, column.accessor
        method = getattr(self, f"render_{name}", None)
        if type(column.column) is not Column:  # another kind: django-tables2's way
            return lambda row: row.get_cell(name)
        if method is not None and _takes_value(type(self), name):
            return lambda row: method(value=accessor.resolve(row.record))
        if method is not None:
            return lambda row: method(record=row.record)

        def plain(row):
            value = accessor.resolve(row.record, quiet=True)
            return column.default if value in column.column.empty_values else value

        return plain

    @classmethod
    def column_choices(cls) -> list[tuple[str, str]]:
        return [(name, str(column.verbose_name)) for name, column in cls.base_columns.items()]

    @classmethod
    def clean_columns(cls, names) -> list[str]:
        """Known column names, without duplicates, in the given order."""
        known = cls.base_columns
        seen: list[str] = []
        for name in names:
            if name in known and name not in seen:
                seen.append(name)
        return seen


@functools.cache
def _takes_value(table_class: type, name: str) -> bool:
    """Whether the table's `render_<name>` takes the cell's value (else its record)."""
    return "value" in inspect.signature(getattr(table_class, f"render_{name}")).parameters


def _amounts(figures: dict | None, key: str):
    """One line per currency with a non-zero amount, as the customer's money is
    shown everywhere; a dash when there is none."""
    figures = figures or {}
    shown = [
        (format_money(amount, currency),)
        for currency in settings.WALLET_CURRENCIES
        if (amount := figures.get(key.format(currency.lower())))
    ]
    if not shown:
        return "—"
    return format_html_join("", '<span class="amount-line">{}</span>', shown)


def visible_columns(request) -> list[str]:
    """The table's columns for this request, in order: `?columns=` when it names some,
    else the member's saved choice, else the defaults; owners' and admins' columns
    only for them."""
    chosen = []
    if "columns" in request.GET:
        chosen = CustomerTable.clean_columns(request.GET["columns"].split(","))
    if not chosen:
        saved = table_columns_saved(
            user=request.user, business=request.business, table=CustomerTable.__name__
        )
        chosen = CustomerTable.clean_columns(saved) or list(CustomerTable.default_columns)
    if not request.membership.can_edit:
        chosen = [name for name in chosen if name not in CustomerTable.editor_columns]
    return chosen
