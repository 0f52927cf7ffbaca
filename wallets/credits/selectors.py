"""Credit reads shared by the API, the dashboard and the portal. Only reads."""

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import JSONField
from django.db.models.functions import JSONObject
from django.utils import timezone

from customers.core.prepared import prepared
from customers.models import Business, Customer
from wallets.credits.models import CreditBalance, CreditEntitlement, CreditGrant, CreditLedgerEntry


def entitlements(business: Business | str, *, deleted: bool = False) -> QuerySet:
    """The business's entitlements (or its deleted ones), newest first."""
    found = CreditEntitlement.objects.for_business(business).filter(deleted_at__isnull=not deleted)
    return found.newest_first()


def balances(entitlement: CreditEntitlement, customer_id: str | None = None) -> QuerySet:
    found = CreditBalance.objects.for_business(entitlement.business_id).filter(
        entitlement=entitlement
    )
    if customer_id:
        found = found.filter(customer_id=customer_id)
    return found.newest_first()


def customer_balances(customer: Customer) -> QuerySet:
    """The customer's balances of live entitlements, with the entitlement, by name."""
    return (
        CreditBalance.objects.for_business(customer.business_id)
        .filter(customer=customer, entitlement__deleted_at__isnull=True)
        .select_related("entitlement")
        .order_by("entitlement__name", "id")
    )


def grants(balance: CreditBalance, status: str | None = None, now=None) -> QuerySet:
    """The balance's grants, FIFO order (the one spent first on top); by status:
    active (spendable now), expired, depleted (spent, not expired)."""
    now = now or timezone.now()
    found = CreditGrant.objects.for_business(balance.business_id).filter(credit_balance=balance)
    if status == "active":
        found = found.filter(remaining_amount__gt=0, is_expired=False).exclude(expires_at__lte=now)
    elif status == "expired":
        found = found.filter(is_expired=True) | found.filter(expires_at__lte=now)
    elif status == "depleted":
        found = found.filter(remaining_amount=0, is_expired=False).exclude(expires_at__lte=now)
    return found.order_by(F("expires_at").asc(nulls_last=True), "created_at", "id")


def ledger(
    balance: CreditBalance,
    *,
    start=None,
    end=None,
    transaction_type: str | None = None,
) -> QuerySet:
    """The balance's entries, newest first."""
    found = CreditLedgerEntry.objects.for_business(balance.business_id).filter(
        credit_balance=balance
    )
    if start is not None:
        found = found.filter(created_at__gte=start)
    if end is not None:
        found = found.filter(created_at__lte=end)
    if transaction_type:
        found = found.filter(transaction_type=transaction_type)
    return found.order_by("-sequence")


# The customer table, Build Report and the exports show and filter by credits of at
# most this many live entitlements (by name): one JSON probe per customer carries two
# figures of each, and PostgreSQL's jsonb_build_object takes at most 100 arguments.
COLUMN_ENTITLEMENTS_MAX = 20


def column_entitlements(business: Business | str) -> list[CreditEntitlement]:
    """The live entitlements the customer list shows as columns and filters by (one query)."""
    return _column_entitlements(business_id=getattr(business, "pk", business))


@prepared("business_id")
def _column_entitlements(*, business_id: str) -> QuerySet[CreditEntitlement]:
    found = CreditEntitlement.objects.for_business(business_id).live()
    return found.only("id", "business_id", "name", "unit", "precision", "overage_enabled").order_by(
        "name", "id"
    )[:COLUMN_ENTITLEMENTS_MAX]


def _of_outer_customer():
    # Business first: served by the (business, customer, entitlement) index.
    return CreditBalance.objects.filter(business=OuterRef("business_id"), customer=OuterRef("pk"))


def credit_figures(entitlement_ids) -> Subquery | Value:
    """Per outer customer, one JSON object (or NULL without any balance):
    `{"cde_…": 1250, "cde_…_over": 0, …}` in thousandths, NULL for an entitlement the
    customer holds no balance of. One index probe reads the customer's balance rows."""
    figures = {}
    for pk in entitlement_ids:
        figures[pk] = Max("balance", filter=Q(entitlement_id=pk))
        figures[f"{pk}_over"] = Max("overage", filter=Q(entitlement_id=pk))
    if not figures:  # no entitlement: nothing to read
        return Value(None, output_field=JSONField())
    rows = _of_outer_customer().filter(entitlement_id__in=list(entitlement_ids))
    return Subquery(
        rows.order_by()
        .values("customer")
        .annotate(figures=JSONObject(**figures))
        .values("figures"),
        output_field=JSONField(),
    )


def holding_credits(
    entitlement_ids: list[str], *, below: int | None = None, overage: bool = False
) -> Exists:
    """Customers holding a balance of one of these entitlements (the caller's live
    ones): above zero; or, with `below` (thousandths), below it, zero included; or in
    overage. An IN list rather than a join to the entitlements keeps it one index probe."""
    rows = _of_outer_customer().filter(entitlement_id__in=entitlement_ids)
    return Exists(_holding(rows, below=below, overage=overage))


def credit_holders(
    business, entitlement_ids: list[str], *, below: int | None = None, overage: bool = False
) -> QuerySet:
    """The IDs of the business's customers that `holding_credits` matches, each once:
    a count of them reads the balances, not every customer."""
    rows = CreditBalance.objects.filter(business=business, entitlement_id__in=entitlement_ids)
    return _holding(rows, below=below, overage=overage).values("customer_id").distinct()


def _holding(rows: QuerySet, *, below: int | None, overage: bool) -> QuerySet:
    if below is not None:
        rows = rows.filter(balance__lt=below)
    if overage:
        rows = rows.filter(overage__gt=0)
    if below is None and not overage:
        rows = rows.filter(balance__gt=0)
    return rows
