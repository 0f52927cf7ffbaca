"""Operations that change a customer: create and update.

Each is one function and one transaction, keyword-only, and writes its Event in
that transaction. Views, the API, admin actions and commands all call these.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.core.errors import CustomerEmailTaken
from customers.core.validation import COUNTRY_CODES, normalize_phone, validate_metadata
from customers.lifecycle.errors import CustomerAlreadyDeleted
from customers.models import Business, Customer, is_tombstone

# Billing details, as Dodo's BillingAddress (country, street, city, state, zipcode), plus
# a tax ID and a business name for B2B customers; all optional.
BILLING_FIELDS = (
    "business_name",
    "tax_id",
    "billing_street",
    "billing_city",
    "billing_state",
    "billing_zipcode",
    "billing_country",
)
CUSTOMER_FIELDS = ("name", "email", "phone_number", "metadata", "preferred_locale", *BILLING_FIELDS)


def _existing_by_email(business: Business, email: str, exclude_id: str | None = None):
    qs = Customer.objects.for_business(business).filter(email__iexact=email)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.first()


def _clean_fields(fields: dict, *, business: Business) -> dict:
    cleaned = dict(fields)
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].strip()
    if "name" in cleaned:
        cleaned["name"] = cleaned["name"].strip()
    if "phone_number" in cleaned:
        # A national number is read by the business's country; one with its country
        # code (all the API takes, and what the forms hand over) is checked for shape.
        phone = cleaned["phone_number"] or ""
        international = phone.strip().startswith(("+", "00"))
        cleaned["phone_number"] = normalize_phone(
            phone, region="" if international else business.country
        )
    if "metadata" in cleaned:
        cleaned["metadata"] = validate_metadata(cleaned["metadata"])
    if "preferred_locale" in cleaned:
        cleaned["preferred_locale"] = cleaned["preferred_locale"] or ""
    for field in BILLING_FIELDS:
        if field in cleaned:
            cleaned[field] = " ".join((cleaned[field] or "").split())  # one line each
    if cleaned.get("billing_country"):
        cleaned["billing_country"] = cleaned["billing_country"].upper()
        if cleaned["billing_country"] not in COUNTRY_CODES:
            raise ValidationError(
                _("Choose a country (a two-letter ISO code such as KR)."), code="invalid_country"
            )
    return cleaned


def customer_create(
    *,
    business: Business,
    actor: Actor,
    name: str,
    email: str,
    phone_number: str = "",
    metadata: dict | None = None,
    preferred_locale: str = "",
    **billing: str,
) -> Customer:
    """Create a customer; an e-mail already used in this business (any case) is refused.
    `billing` takes the BILLING_FIELDS."""
    unknown = set(billing) - set(BILLING_FIELDS)
    if unknown:
        raise TypeError(f"customer_create() got unexpected fields: {sorted(unknown)}")
    fields = _clean_fields(
        {
            "name": name,
            "email": email,
            "phone_number": phone_number,
            "metadata": metadata or {},
            "preferred_locale": preferred_locale,
            **billing,
        },
        business=business,
    )
    existing = _existing_by_email(business, fields["email"])
    if existing:
        raise CustomerEmailTaken(existing)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(business=business, **fields)
            event_record(
                customer,
                type="customer.created",
                actor=actor,
                payload={"email": customer.email, "name": customer.name},
            )
    except IntegrityError as exc:  # a concurrent create won the race
        existing = _existing_by_email(business, fields["email"])
        if existing:
            raise CustomerEmailTaken(existing) from exc
        raise
    return customer


def customer_update(*, customer: Customer, actor: Actor, **changes) -> Customer:
    """Change some of a customer's fields; records what changed, from and to."""
    if is_tombstone(customer):
        raise CustomerAlreadyDeleted()
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"customer_update() got unexpected fields: {sorted(unknown)}")
    changes = _clean_fields(changes, business=customer.business)
    if "email" in changes:
        existing = _existing_by_email(customer.business, changes["email"], exclude_id=customer.pk)
        if existing:
            raise CustomerEmailTaken(existing)
    diff = {
        field: [getattr(customer, field), value]
        for field, value in changes.items()
        if getattr(customer, field) != value
    }
    if not diff:
        return customer
    try:
        with transaction.atomic():
            for field, (_old, new) in diff.items():
                setattr(customer, field, new)
            customer.save(update_fields=[*diff, "updated_at"])
            event_record(
                customer,
                type="customer.updated",
                actor=actor,
                payload={"changes": diff},
            )
    except IntegrityError as exc:
        existing = _existing_by_email(customer.business, changes.get("email", ""), customer.pk)
        if existing:
            raise CustomerEmailTaken(existing) from exc
        raise
    return customer
