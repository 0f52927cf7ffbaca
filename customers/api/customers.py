"""Customers (api-contract.md §5): create, list, get, update."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Status

from customers import services
from customers.api.common import (
    ERRORS,
    ID_PATTERN,
    BodySchema,
    Email,
    ListFilters,
    Locale,
    Metadata,
    Name,
    Out,
    Phone,
    QueryText,
    Text,
    actor_of,
    created_between,
    get_scoped,
    page,
)
from customers.core.validation import COUNTRY_CODES
from customers.lifecycle.services import customer_delete, merged_survivor
from customers.listing import CustomerList
from customers.models import Customer, is_tombstone
from customers.notes.selectors import tag_names_of, with_tag_names
from customers.selectors import customer_get, customers_newest

router = Router(tags=["Customers"])


CountryCode = Literal[tuple(sorted(COUNTRY_CODES))]


def _line(max_length: int):
    return Annotated[Text, Field(max_length=max_length)]


class CustomerBillingIn(BodySchema):
    """Dodo's BillingAddress: `country` required, the rest optional."""

    country: CountryCode = Field(..., description="ISO 3166-1 alpha-2", examples=["KR"])
    street: _line(255) | None = None
    city: _line(100) | None = None
    state: _line(100) | None = None
    zipcode: _line(20) | None = None


class CustomerBillingOut(Out):
    country: str = Field(..., description="ISO 3166-1 alpha-2", examples=["KR"])
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zipcode: str | None = None


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
    billing: CustomerBillingOut | None = Field(
        None, description="Extension (not in Dodo's Customer): the billing address, if set."
    )
    tax_id: str | None = Field(None, description="Extension: the customer's tax ID.")
    business_name: str | None = Field(
        None, description="Extension: a B2B customer's company; invoices show it with a tax ID."
    )
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
        """The filters this request uses, by name (the list pipeline asks: a count it
        could take from kept figures must know every filter)."""
        names = ("email", "name", "created_at_gte", "created_at_lte")
        return {k: v for k in names if (v := getattr(self, k))}

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
    billing: CustomerBillingIn | None = Field(
        None, description="Extension: the billing address; null clears it."
    )
    tax_id: _line(50) | None = Field(None, description="Extension: tax ID; null clears it.")
    business_name: _line(200) | None = Field(
        None, description="Extension: a B2B customer's company; null clears it."
    )


class CustomerPatchIn(BodySchema):
    """Absent keys stay as they are; `null` clears phone, metadata and locale. `name`
    and `email` cannot be null (the schema says so: not nullable)."""

    email: Email = None
    name: Name = None
    metadata: Metadata | None = None
    phone_number: Phone | None = None
    preferred_locale: Locale | None = None
    billing: CustomerBillingIn | None = Field(
        None, description="Extension: the billing address; null clears it."
    )
    tax_id: _line(50) | None = Field(None, description="Extension: tax ID; null clears it.")
    business_name: _line(200) | None = Field(
        None, description="Extension: a B2B customer's company; null clears it."
    )


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
        "billing": _billing_out(customer),
        "tax_id": customer.tax_id or None,
        "business_name": customer.business_name or None,
        "tags": tag_names_of(customer),
    }


def _billing_out(customer) -> dict | None:
    if not customer.billing_country:
        return None  # Dodo's BillingAddress needs a country
    return {
        "country": customer.billing_country,
        "street": customer.billing_street or None,
        "city": customer.billing_city or None,
        "state": customer.billing_state or None,
        "zipcode": customer.billing_zipcode or None,
    }


def _billing_fields(changes: dict) -> dict:
    """The API's `billing`, `tax_id` and `business_name` as the service's fields; null
    (or a billing object without a part) clears."""
    fields = {}
    if "billing" in changes:
        billing = changes.pop("billing") or {}
        for part in ("country", "street", "city", "state", "zipcode"):
            fields[f"billing_{part}"] = billing.get(part) or ""
    for key in ("tax_id", "business_name"):
        if key in changes:
            fields[key] = changes.pop(key) or ""
    return fields


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
        **_billing_fields(payload.model_dump(include={"billing", "tax_id", "business_name"})),
    )
    return customer_out(customer)


@router.get("/customers", response={200: CustomerListOut, **ERRORS})
def list_customers(request, filters: Query[CustomerFilters]):
    """Customers, newest first. `email` is an exact, case-insensitive match."""
    business_id = request.auth.business_id
    if filters.used():
        rows = with_tag_names(CustomerList(business=business_id, filters=filters).ordered())
    else:  # every customer: the SQL compiled once
        rows = customers_newest.rows(business_id=business_id)
    items = page(rows, page_number=filters.page_number, page_size=filters.page_size)
    return {"items": [customer_out(c) for c in items]}


# The header that says a merged customer's ID was asked for and its survivor returned.
MERGED_INTO_HEADER = "X-Customer-Merged-Into"


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, response: HttpResponse, customer_id: str):
    """Get a customer. The ID of a customer merged into another (a dashboard merge)
    keeps resolving: the answer is the customer it was merged into, and the
    `X-Customer-Merged-Into` response header carries that customer's ID (extension)."""
    if not ID_PATTERN.match(customer_id):
        raise Http404
    customer = customer_get(
        business_id=request.auth.business_id, customer_id=customer_id, tag_names=True
    )
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
    billing = _billing_fields(changes)
    cleared = {"phone_number": "", "metadata": {}, "preferred_locale": ""}
    changes = {k: cleared[k] if v is None else v for k, v in changes.items()} | billing
    customer = services.customer_update(customer=customer, actor=actor_of(request), **changes)
    return customer_out(customer)
