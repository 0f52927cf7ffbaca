"""Dashboard views: parse the request, call a selector or service, render."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from customers import services
from customers.accounts.permissions import business_required, editor_required
from customers.accounts.preferences import table_columns_save
from customers.audit import Actor
from customers.billing.selectors import (
    subscriptions_tab,
    transactions_tab,
    usable_payment_methods,
)
from customers.core.errors import CustomerEmailTaken
from customers.core.htmx import render_page
from customers.core.replicas import replica_reads
from customers.forms import (
    DEFAULT_PER_PAGE,
    PER_PAGE_CHOICES,
    ColumnsForm,
    CustomerForm,
)
from customers.licenses.selectors import license_keys_tab
from customers.lifecycle.services import merged_survivor
from customers.listing import CustomerList
from customers.models import is_tombstone
from customers.notes.selectors import notes_panel
from customers.overview.summary import customer_money
from customers.overview.timeline import timeline_page
from customers.reports.columns import export_url
from customers.search import looks_like_id, object_find, object_url
from customers.selectors import customer_get, emails_tab, portal_activity
from customers.tables import CustomerTable, visible_columns
from customers.templatetags.lifecycle import customer_name
from wallets.credits.views import credits_tab_context
from wallets.views import wallet_tab_context


@business_required
@replica_reads
def customer_list(request):
    visible = visible_columns(request)
    hidden = [name for name in CustomerTable.base_columns if name not in visible]
    customers = CustomerList(
        request.GET,
        business=request.business,
        visible=visible,
        # Pages stop at the count cap; the last one may hold up to a page more.
        paged_to=settings.CUSTOMER_LIST_COUNT_CAP + max(PER_PAGE_CHOICES),
    )
    entitlements = customers.filters.credit_entitlements
    table = CustomerTable(
        customers.table_rows(visible, [e.pk for e in entitlements]),
        sequence=[*visible, "..."],
        exclude=hidden,
        order_by=customers.sort or None,
    )
    table.request = request
    table.credit_entitlements = entitlements
    table.paginate(**customers.pagination())
    filterset = customers.filters
    list_page = {
        "can_edit": request.membership.can_edit,
        "filterset": filterset,
        "table": table,
        "result_count": _result_count(table.paginator),
        "search": customers.used.get("q", ""),
        "per_page": customers.per_page,
        "per_page_choices": PER_PAGE_CHOICES,
        "default_per_page": DEFAULT_PER_PAGE,
        "visible_columns": visible,
        # The Edit columns menu's list, drawn only when not kept for these columns.
        "columns_key": tuple(visible),
        "column_rows": functools.partial(_column_rows, visible, hidden),
        "head_key": _head_key(request.GET, visible, customers.sort),
        "export_urls": {
            fmt: export_url(request.GET, fmt, visible=visible, entitlements=entitlements)
            for fmt in ("csv", "xlsx")
        },
        "bulk_tags": filterset.tag_choices(),
    }
    context = {**list_page, "list_page": list_page}
    return render_page(request, "customers/customer_list.html", "table", context)


def _result_count(paginator) -> str:
    """ "1,234 customers", or "10,000+ customers" past the count cap."""
    count = intcomma(paginator.count)
    if paginator.is_capped:
        return _("%(cap)s+ customers") % {"cap": count}
    return ngettext("%(n)s customer", "%(n)s customers", paginator.count) % {"n": count}


# The longest query string whose table header is kept (a selection of 60 customers).
HEAD_KEY_MAX = 2000


def _head_key(query, visible: list[str], sort: str) -> tuple | None:
    """What the table's header shows besides the language: its columns, its sort and
    the query string its sort links keep (without the page, which they drop)."""
    kept = tuple((key, tuple(values)) for key, values in query.lists() if key != "page")
    if sum(len(key) + sum(map(len, values)) for key, values in kept) > HEAD_KEY_MAX:
        return None
    return tuple(visible), sort, kept


def _column_rows(visible: list[str], hidden: list[str]) -> list[tuple]:
    """The "Edit columns" menu: name, label, shown, and the move buttons' labels (made
    here: sixteen rows of template translation tags were a tenth of the page's time)."""
    rows = []
    for name in [*visible, *hidden]:
        label = str(CustomerTable.base_columns[name].verbose_name)
        up, down = _("Move %(label)s up"), _("Move %(label)s down")
        rows.append((name, label, name in visible, up % {"label": label}, down % {"label": label}))
    return rows


@business_required
def search(request):
    """The top bar: an ID opens its object; other text searches the customer table."""
    term = request.GET.get("q", "").strip()[:100]
    if looks_like_id(term):
        found = object_find(request.business, term)
        if found is not None:
            return redirect(object_url(found))
        context = {
            "title": _("Nothing found"),
            "message": _("No object with the ID %(id)s in %(business)s.")
            % {"id": term, "business": request.business.name},
        }
        return render(request, "error.html", context, status=404)
    url = reverse("customers:list")
    return HttpResponseRedirect(f"{url}?{urlencode({'q': term})}" if term else url)


@business_required
@require_POST
def customer_columns(request):
    """Save which columns this user sees (a personal view setting, so viewers too)."""
    form = ColumnsForm(request.POST)
    if form.is_valid():
        table_columns_save(
            user=request.user,
            business=request.business,
            table=CustomerTable.__name__,
            columns=form.ordered_columns(),
        )
        message = _("Columns saved.")
    else:
        message = _("Choose at least one column to show.")
    if request.htmx:
        # In place: the menu stays open and says so; app.js reloads the table.
        response = HttpResponse(status=204)
        return trigger_client_event(
            response, "columns-saved", {"message": message, "ok": form.is_valid()}
        )
    if form.is_valid():
        messages.success(request, message)
    else:
        messages.error(request, message)
    return _redirect_back(request, reverse("customers:list"))


def _redirect_back(request, fallback: str):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return HttpResponseRedirect(target)


def detail_tab_url(customer_id: str, tab: str) -> str:
    """The customer's details page open on one tab (where actions on a tab return)."""
    return f"{reverse('customers:detail', args=[customer_id])}?tab={tab}"


DETAIL_TABS = {
    "transactions": (gettext_lazy("Transactions history"), transactions_tab),
    "subscriptions": (gettext_lazy("Active subscriptions"), subscriptions_tab),
    "wallet": (gettext_lazy("Wallet ledger"), wallet_tab_context),
    "credits": (gettext_lazy("Credits"), credits_tab_context),
    "license-keys": (gettext_lazy("License keys"), license_keys_tab),
    "emails": (gettext_lazy("E-mails"), emails_tab),
}


# The details page's HTMX fragments, by the element a request swaps (HX-Target).
DETAIL_FRAGMENTS = ("tab-panel", "wallet-tab", "credits-tab", "timeline")


@business_required
def customer_detail(request, customer_id):
    """The money summary, About, the timeline (`?activity=`, `before`/`after`) and one
    tab (`?tab=`); HTMX gets only the element it swaps: the tab panel, the wallet tab
    (its own paging and filter) or the timeline."""
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    if is_tombstone(customer) and (survivor := merged_survivor(customer)):
        # A merged customer's old ID keeps working: it leads to the one that was kept.
        messages.info(
            request,
            _("Customer %(old)s was merged into this one.") % {"old": customer.pk},
        )
        return redirect("customers:detail", customer_id=survivor.pk)
    tab = request.GET.get("tab", "transactions")
    if tab not in DETAIL_TABS:
        tab = "transactions"
    target = request.htmx.target if request.htmx else None
    fragment = target if target in DETAIL_FRAGMENTS else DETAIL_FRAGMENTS[0]
    full_page = not request.htmx or request.htmx.history_restore_request
    context = {
        "customer": customer,
        "tab": tab,
        "tabs": [(key, label) for key, (label, _loader) in DETAIL_TABS.items()],
    }
    if full_page or fragment != "timeline":
        context.update(DETAIL_TABS[tab][1](customer=customer, params=request.GET))
    if full_page or fragment == "timeline":
        context.update(timeline_page(customer=customer, params=request.GET))
    if full_page:
        deleted = is_tombstone(customer)
        context["money"] = money = customer_money(customer)
        context["deleted"] = deleted
        context["display_name"] = customer_name(customer)
        context["active_subscriptions_text"] = ngettext(
            "%(counter)s active subscription",
            "%(counter)s active subscriptions",
            money.active_subscriptions,
        ) % {"counter": money.active_subscriptions}
        context.update(portal_activity(customer))
        context.update(notes_panel(customer))
        context["payment_methods"] = usable_payment_methods(
            business_id=customer.business_id, customer_id=customer.pk, limit=20
        )
    context["membership"] = request.membership
    context["detail"] = context
    return render_page(request, "customers/customer_detail.html", fragment, context)


def _save_customer(request, form, customer=None):
    """Run the create/update service; turn a domain error into a form error."""
    actor = Actor.user(request.user)
    try:
        if customer is None:
            return services.customer_create(
                business=request.business, actor=actor, **form.cleaned_data
            )
        return services.customer_update(customer=customer, actor=actor, **form.cleaned_data)
    except CustomerEmailTaken as exc:
        form.add_error("email", exc.message)
        form.existing_customer = exc.existing
        return None


@editor_required
def customer_create(request):
    form = CustomerForm(request.POST or None, business=request.business)
    if request.method == "POST" and form.is_valid():
        customer = _save_customer(request, form)
        if customer:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


@editor_required
def customer_edit(request, customer_id):
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    if is_tombstone(customer):
        messages.info(request, _("This customer has already been deleted."))
        return redirect("customers:detail", customer_id=customer.pk)
    initial = {field: getattr(customer, field) for field in services.CUSTOMER_FIELDS}
    form = CustomerForm(request.POST or None, initial=initial, business=request.business)
    if request.method == "POST" and form.is_valid() and _save_customer(request, form, customer):
        messages.success(request, _("Changes saved."))
        return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})
