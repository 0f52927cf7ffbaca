"""Credit reads shared by the API, the dashboard and the portal. Only reads."""

from django.db.models import F, QuerySet
from django.utils import timezone

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
