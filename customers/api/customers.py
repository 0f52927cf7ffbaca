"""Customers (api-contract.md §5): create, list, get, update."""

import datetime as dt
from typing import Any

from django.db.models.functions import Lower
from ninja import Field, Query, Router

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
from customers.listing import CustomerList
from customers.models import Customer
from customers.notes.selectors import tag_names_of, with_tag_names

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
    tags: list[str] = Field(
        default_factory=list,
        description=(
            "Extension (not in Dodo's API): the names of the customer's tags, "
            "alphabetical. Read-only; tags are managed in the dashboard."
        ),
        examples=[["vip", "wholesale"]],
    )


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
        "tags": tag_names_of(customer),
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
    items = page(
        with_tag_names(customers.ordered()),
        page_number=filters.page_number,
        page_size=filters.page_size,
    )
    return {"items": [customer_out(c) for c in items]}


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, customer_id: str):
    return customer_out(get_scoped(with_tag_names(_customers(request)), customer_id))


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
