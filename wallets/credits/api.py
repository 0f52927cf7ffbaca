"""The credit entitlements API, as the official client's `credit_entitlements` and
`customers.list_credit_entitlements` call it."""

from django.http import Http404, HttpResponse
from ninja import Query, Router, Status

from customers.api.common import ERRORS, actor_of, get_scoped, page
from customers.models import Customer
from wallets.credits import selectors
from wallets.credits.amounts import credits_text, parse_credits
from wallets.credits.entitlements import (
    entitlement_create,
    entitlement_delete,
    entitlement_undelete,
    entitlement_update,
)
from wallets.credits.models import CreditBalance, CreditEntitlement
from wallets.credits.schemas import (
    CreditBalanceFilters,
    CreditBalanceListOut,
    CreditBalanceOut,
    CreditEntitlementFilters,
    CreditEntitlementIn,
    CreditEntitlementListOut,
    CreditEntitlementOut,
    CreditEntitlementPatch,
    CreditGrantFilters,
    CreditGrantListOut,
    CreditLedgerEntryCreatedOut,
    CreditLedgerEntryIn,
    CreditLedgerFilters,
    CreditLedgerListOut,
    CreditLocaleParams,
    CustomerCreditListOut,
    balance_out,
    created_entry_out,
    entitlement_out,
    entry_out,
    grant_out,
)
from wallets.credits.services import DEFAULT, credit_debit, credit_grant

router = Router(tags=["Credit entitlements"])
NO_CONTENT = {204: None, **ERRORS}
# PATCH's fields that cannot be cleared: null there leaves them unchanged.
NOT_NULLABLE = {"name", "unit", "overage_enabled", "rollover_enabled", "overage_behavior"}


def _entitlement(request, entitlement_id: str) -> CreditEntitlement:
    return get_scoped(
        CreditEntitlement.objects.for_business(request.auth.business_id), entitlement_id
    )


def _customer(request, customer_id: str) -> Customer:
    return get_scoped(Customer.objects.for_business(request.auth.business_id), customer_id)


def _balance(entitlement: CreditEntitlement, customer: Customer) -> CreditBalance:
    found = list(selectors.balances(entitlement, customer.pk)[:1])
    if not found:
        raise Http404
    return found[0]


@router.post("/credit-entitlements", response={201: CreditEntitlementOut, **ERRORS})
def create_credit_entitlement(request, payload: CreditEntitlementIn):
    """A new credit unit. A price per unit needs a currency; the rollover timeframe's
    count and interval go together (else 422 CREDIT_ENTITLEMENT_INCONSISTENT)."""
    values = payload.model_dump(exclude_none=True)
    entitlement = entitlement_create(
        business=request.auth.business, actor=actor_of(request), **values
    )
    return Status(201, entitlement_out(entitlement))


@router.get("/credit-entitlements", response={200: CreditEntitlementListOut, **ERRORS})
def list_credit_entitlements(request, filters: Query[CreditEntitlementFilters]):
    """Newest first; `deleted=true` lists the deleted ones."""
    found = selectors.entitlements(request.auth.business_id, deleted=filters.deleted)
    items = page(found, page_number=filters.page_number, page_size=filters.page_size)
    return {"items": [entitlement_out(e) for e in items]}


@router.get("/credit-entitlements/{id}", response={200: CreditEntitlementOut, **ERRORS})
def get_credit_entitlement(request, id: str, params: Query[CreditLocaleParams]):
    return entitlement_out(_entitlement(request, id))


@router.patch("/credit-entitlements/{id}", response=NO_CONTENT)
def update_credit_entitlement(request, id: str, payload: CreditEntitlementPatch):
    """Changes the fields sent; null clears a field (null on name, unit, the
    booleans and overage_behavior leaves them unchanged). The precision is fixed."""
    entitlement = _entitlement(request, id)
    changes = {
        name: getattr(payload, name)
        for name in payload.model_fields_set
        if not (name in NOT_NULLABLE and getattr(payload, name) is None)
    }
    entitlement_update(entitlement=entitlement, actor=actor_of(request), **changes)
    return HttpResponse(status=204)


@router.delete("/credit-entitlements/{id}", response=NO_CONTENT)
def delete_credit_entitlement(request, id: str):
    """Soft delete: balances and history stay; credits stop moving until undeleted."""
    entitlement_delete(entitlement=_entitlement(request, id), actor=actor_of(request))
    return HttpResponse(status=204)


@router.post("/credit-entitlements/{id}/undelete", response=NO_CONTENT)
def undelete_credit_entitlement(request, id: str):
    entitlement_undelete(entitlement=_entitlement(request, id), actor=actor_of(request))
    return HttpResponse(status=204)


@router.get(
    "/credit-entitlements/{credit_entitlement_id}/balances",
    response={200: CreditBalanceListOut, **ERRORS},
)
def list_credit_balances(request, credit_entitlement_id: str, filters: Query[CreditBalanceFilters]):
    entitlement = _entitlement(request, credit_entitlement_id)
    found = selectors.balances(entitlement, filters.customer_id)
    items = page(found, page_number=filters.page_number, page_size=filters.page_size)
    return {"items": [balance_out(b, entitlement.precision) for b in items]}


@router.get(
    "/credit-entitlements/{credit_entitlement_id}/balances/{customer_id}",
    response={200: CreditBalanceOut, **ERRORS},
)
def get_credit_balance(request, credit_entitlement_id: str, customer_id: str):
    """404 when the customer has never had credits of this entitlement."""
    entitlement = _entitlement(request, credit_entitlement_id)
    balance = _balance(entitlement, _customer(request, customer_id))
    return balance_out(balance, entitlement.precision)


@router.post(
    "/credit-entitlements/{credit_entitlement_id}/balances/{customer_id}/ledger-entries",
    response={201: CreditLedgerEntryCreatedOut, **ERRORS},
)
def create_credit_ledger_entry(
    request, credit_entitlement_id: str, customer_id: str, payload: CreditLedgerEntryIn
):
    """A credit makes a new grant; a debit spends grants FIFO by expiry (earliest
    first). 400 INSUFFICIENT_CREDITS beyond the balance (and allowed overage)."""
    entitlement = _entitlement(request, credit_entitlement_id)
    customer = _customer(request, customer_id)
    amount = parse_credits(payload.amount, entitlement.precision)
    common = {
        "business": request.auth.business,
        "entitlement": entitlement,
        "customer": customer,
        "amount": amount,
        "actor": actor_of(request),
        "reason": payload.reason or "",
        "metadata": payload.metadata,
        "idempotency_key": payload.idempotency_key,
    }
    if payload.entry_type == "credit":
        expires_at = payload.expires_at if payload.expires_at is not None else DEFAULT
        entry = credit_grant(**common, expires_at=expires_at)
    else:
        entry = credit_debit(**common)
    return Status(201, created_entry_out(entry, entitlement.precision))


@router.get(
    "/credit-entitlements/{credit_entitlement_id}/balances/{customer_id}/grants",
    response={200: CreditGrantListOut, **ERRORS},
)
def list_credit_grants(
    request, credit_entitlement_id: str, customer_id: str, filters: Query[CreditGrantFilters]
):
    """FIFO order: the grant spent first comes first."""
    entitlement = _entitlement(request, credit_entitlement_id)
    balance = _balance(entitlement, _customer(request, customer_id))
    found = selectors.grants(balance, filters.status)
    items = page(found, page_number=filters.page_number, page_size=filters.page_size)
    return {"items": [grant_out(g, entitlement.precision) for g in items]}


@router.get(
    "/credit-entitlements/{credit_entitlement_id}/balances/{customer_id}/ledger",
    response={200: CreditLedgerListOut, **ERRORS},
)
def list_credit_ledger(
    request, credit_entitlement_id: str, customer_id: str, filters: Query[CreditLedgerFilters]
):
    """Newest first."""
    entitlement = _entitlement(request, credit_entitlement_id)
    balance = _balance(entitlement, _customer(request, customer_id))
    found = selectors.ledger(
        balance,
        start=filters.start_date,
        end=filters.end_date,
        transaction_type=filters.transaction_type,
    )
    items = page(found, page_number=filters.page_number, page_size=filters.page_size)
    return {"items": [entry_out(e, entitlement.precision) for e in items]}


@router.get(
    "/customers/{customer_id}/credit-entitlements",
    response={200: CustomerCreditListOut, **ERRORS},
)
def list_customer_credit_entitlements(request, customer_id: str):
    """Every live entitlement the customer holds credits of, with the balance."""
    customer = _customer(request, customer_id)
    return {
        "items": [
            {
                "balance": credits_text(b.balance, b.entitlement.precision),
                "credit_entitlement_id": b.entitlement_id,
                "name": b.entitlement.name,
                "overage": credits_text(b.overage, b.entitlement.precision),
                "unit": b.entitlement.unit,
                "description": b.entitlement.description or None,
            }
            for b in selectors.customer_balances(customer)[:100]
        ]
    }
