"""Customers (api-contract.md §5): create, list, get, update."""

import datetime as dt
from typing import Any

from django.db.models.functions import Lower
from django.http import HttpResponse
from ninja import Field, Query, Router, Status

from customers import services
from customers.api.common import (
    ERRORS,
    BodySchema,
    Email,
    ListFilters,
    Locale,
    Metadata,
    Name,
    Out,
    Phone,
    QueryText,
    actor_of,
    created_between,
    get_scoped,
    page,
)
from customers.lifecycle.services import customer_delete, merged_survivor
from customers.listing import CustomerList
from customers.models import Customer, is_tombstone

router = Router(tags=["Customers"])


class CustomerOut(Out):
    customer_id: str = Field(..., examples=["cus_0NXqXc9RmC4JeVHhp3oSuLBOt"])
    business_id: str = Field(..., examples=["bus_0NXqXaA6mY4l8S3bQvPcdhE1L"])
    email: str = Field(..., examples=["ada@example.com"])
    name: str = Field(..., examples=["Ada Lovelace"])
    created_at: dt.datetime
    phone_number: str | None = Field(None, description="E.164", examples=["+14155550134"])
    metadata: dict[str, Any] = Field(default_factory=dict)
    preferred_locale: str | None = Field(None, description="null means English e-mails.")
    blocked_at: dt.datetime | None = Field(None, description="Always null: no blocklist.")
    blocklist_entry_id: str | None = Field(None, description="Always null: no blocklist.")


class CustomerListOut(Out):
    items: list[CustomerOut]


class CustomerFilters(ListFilters):
    email: QueryText | None = Field(
        None, max_length=254, description="Exact e-mail, compared case-insensitively."
    )
    name: QueryText | None = Field(
        None, max_length=255, description="Part of the name, case-insensitive."
    )

    def used(self) -> dict:
        """The filters this request uses, by name (the list pipeline asks)."""
        return {k: v for k in ("email", "name") if (v := getattr(self, k))}

    def filter_queryset(self, customers):
        """The list's filter stage (customers.listing.CustomerList)."""
        customers = created_between(customers, self)
        if self.email:
            # LOWER(email) = … is served by the (business, LOWER(email)) unique index.
            customers = customers.alias(email_lower=Lower("email")).filter(
                email_lower=self.email.strip().lower()
            )
        if self.name:
            customers = customers.filter(name__icontains=self.name)
        return customers


class CustomerCreateIn(BodySchema):
    email: Email = Field(..., examples=["ada@example.com"])
    name: Name = Field(..., examples=["Ada Lovelace"])
    metadata: Metadata | None = None
    phone_number: Phone | None = Field(None, description="International format, e.g. +1 415…")
    preferred_locale: Locale | None = None


class CustomerPatchIn(BodySchema):
    """Absent keys stay as they are; `null` clears phone, metadata and locale. `name`
    and `email` cannot be null (the schema says so: not nullable)."""

    email: Email = None
    name: Name = None
    metadata: Metadata | None = None
    phone_number: Phone | None = None
    preferred_locale: Locale | None = None


def customer_out(customer) -> dict:
    return {
        "customer_id": customer.pk,
        "business_id": customer.business_id,
        "email": customer.email,
        "name": customer.name,
        "created_at": customer.created_at,
        "phone_number": customer.phone_number or None,
        "metadata": customer.metadata or {},
        "preferred_locale": customer.preferred_locale or None,
        "blocked_at": None,
        "blocklist_entry_id": None,
    }


# ---------------------------------------------------------------- customers (§5)


def _customers(request):
    return Customer.objects.for_business(request.auth.business_id)


@router.post("/customers", response={200: CustomerOut, **ERRORS})
def create_customer(request, payload: CustomerCreateIn):
    """Create a customer. An e-mail already used in this business (any case) is refused
    with 409 `CUSTOMER_ALREADY_EXISTS` (`x-should-retry: false`)."""
    customer = services.customer_create(
        business=request.auth.business,
        actor=actor_of(request),
        name=payload.name,
        email=payload.email,
        phone_number=payload.phone_number or "",
        metadata=payload.metadata or {},
        preferred_locale=payload.preferred_locale or "",
    )
    return customer_out(customer)


@router.get("/customers", response={200: CustomerListOut, **ERRORS})
def list_customers(request, filters: Query[CustomerFilters]):
    """Customers, newest first. `email` is an exact, case-insensitive match."""
    customers = CustomerList(business=request.auth.business_id, filters=filters)
    items = page(customers.ordered(), page_number=filters.page_number, page_size=filters.page_size)
    return {"items": [customer_out(c) for c in items]}


# The header that says a merged customer's ID was asked for and its survivor returned.
MERGED_INTO_HEADER = "X-Customer-Merged-Into"


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, response: HttpResponse, customer_id: str):
    """Get a customer. The ID of a customer merged into another (a dashboard merge)
    keeps resolving: the answer is the customer it was merged into, and the
    `X-Customer-Merged-Into` response header carries that customer's ID (extension)."""
    customer = get_scoped(_customers(request), customer_id)
    if is_tombstone(customer) and (survivor := merged_survivor(customer)):
        response[MERGED_INTO_HEADER] = survivor.pk
        customer = survivor
    return customer_out(customer)


@router.delete("/customers/{customer_id}", response={204: None, **ERRORS})
def delete_customer(request, customer_id: str):
    """Delete a customer (extension: not in Dodo Payments' API). Erases the name,
    e-mail, phone number and metadata and keeps the row as a tombstone, so payments,
    refunds, invoices and wallet entries stay intact. Refused with 409
    `CUSTOMER_HAS_ACTIVE_SUBSCRIPTION` while a subscription can still bill,
    `CUSTOMER_HAS_WALLET_BALANCE` while a wallet holds money, and `CUSTOMER_DELETED`
    when it already was deleted. The e-mail can then be used by a new customer."""
    customer = get_scoped(_customers(request).select_related("business"), customer_id)
    customer_delete(customer=customer, actor=actor_of(request))
    return Status(204, None)


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def update_customer(request, customer_id: str, payload: CustomerPatchIn):
    """PATCH: a key left out stays as it is; `null` clears `phone_number`, `metadata`
    and `preferred_locale`. `name` and `email` cannot be cleared (422)."""
    customer = get_scoped(_customers(request).select_related("business"), customer_id)
    changes = payload.model_dump(exclude_unset=True)  # name and email are never null
    cleared = {"phone_number": "", "metadata": {}, "preferred_locale": ""}
    changes = {k: cleared[k] if v is None else v for k, v in changes.items()}
    customer = services.customer_update(customer=customer, actor=actor_of(request), **changes)
    return customer_out(customer)
