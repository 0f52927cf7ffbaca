"""License keys and their activations (api-contract.md §11): the key-authenticated
routes, and the public /licenses/* routes a customer's software calls."""

import datetime as dt
from typing import Literal

from django.db import transaction
from ninja import Field, Query, Router, Status
from pydantic import StrictBool

from customers.api.common import (
    ERRORS,
    INT32_MAX,
    PUBLIC_ERRORS,
    AwareDatetime,
    BodySchema,
    CustomerLimitedOut,
    IdQuery,
    ListFilters,
    Out,
    PageParams,
    QueryText,
    Text,
    actor_of,
    created_between,
    customer_limited,
    get_scoped,
    integer,
    newest_page,
)
from customers.audit import Actor
from customers.licenses import services as licenses
from customers.models import LicenseKey, LicenseKeyInstance

router = Router(tags=["License keys"])
public_router = Router(tags=["Licenses (public)"], auth=None)

LicenseKeyStatus = Literal["active", "expired", "disabled"]


# ---------------------------------------------------------------- license keys (§11)


class LicenseKeyOut(Out):
    id: str = Field(..., examples=["lic_0NXqZ5bM1rQ8dV4nC7xT2wPaE"])
    key: str = Field(..., examples=["db44b22c-fe9b-4a68-bf0d-b0e0d6c6c8c0"])
    business_id: str
    brand_id: str
    customer_id: str
    product_id: str
    status: LicenseKeyStatus = Field(..., description="An active key past expires_at: expired.")
    source: Literal["auto", "import", "manual"]
    instances_count: int
    created_at: dt.datetime
    activations_limit: int | None = Field(None, description="null = unlimited.")
    expires_at: dt.datetime | None = Field(None, description="null = never.")
    payment_id: str | None = None
    subscription_id: str | None = None


class LicenseKeyListOut(Out):
    items: list[LicenseKeyOut]


class LicenseKeyFilters(ListFilters):
    customer_id: IdQuery | None = None
    product_id: IdQuery | None = None
    status: LicenseKeyStatus | None = None
    source: Literal["auto", "import", "manual"] | None = None


class LicenseKeyPatchIn(BodySchema):
    activations_limit: integer(ge=0, le=INT32_MAX) | None = Field(
        None, description="null = unlimited."
    )
    disabled: StrictBool | None = Field(None, description="true disables, false enables.")
    expires_at: AwareDatetime | None = Field(None, description="null = never.")


def license_key_out(key) -> dict:
    return {
        "id": key.pk,
        "key": key.key,
        "business_id": key.business_id,
        "brand_id": key.business_id,
        "customer_id": key.customer_id,
        "product_id": key.product_id,
        "status": key.effective_status,
        "source": key.source,
        "instances_count": key.instances_count,
        "created_at": key.created_at,
        "activations_limit": key.activations_limit,
        "expires_at": key.expires_at,
        "payment_id": key.payment_id,
        "subscription_id": key.subscription_id,
    }


class LicenseKeyInstanceOut(Out):
    id: str = Field(..., examples=["lki_0NXqZ6cN2sR9eW5oD8yU3xQbF"])
    license_key_id: str
    business_id: str
    name: str
    created_at: dt.datetime


class LicenseKeyInstanceListOut(Out):
    items: list[LicenseKeyInstanceOut]


class LicenseKeyInstanceFilters(PageParams):
    license_key_id: IdQuery | None = None
    grant_id: QueryText | None = Field(
        None, max_length=64, description="No entitlement grants here: any value matches none."
    )


class LicenseKeyInstancePatchIn(BodySchema):
    name: Text = Field(..., min_length=1, max_length=255)


def instance_out(instance) -> dict:
    return {
        "id": instance.pk,
        "license_key_id": instance.license_key_id,
        "business_id": instance.business_id,
        "name": instance.name,
        "created_at": instance.created_at,
    }


class LicenseActivateIn(BodySchema):
    license_key: Text = Field(..., min_length=1, max_length=255)
    name: Text = Field(..., min_length=1, max_length=255, examples=["MacBook Pro"])


class LicenseValidateIn(BodySchema):
    license_key: Text = Field(..., min_length=1, max_length=255)
    license_key_instance_id: Text | None = Field(None, max_length=64)


class LicenseDeactivateIn(BodySchema):
    license_key: Text = Field(..., min_length=1, max_length=255)
    license_key_instance_id: Text = Field(..., max_length=64)


class ActivatedProductOut(Out):
    product_id: str
    name: str | None = None


class LicenseActivationOut(Out):
    id: str = Field(..., description="The new instance's ID (lki_…).")
    license_key_id: str
    name: str
    business_id: str
    created_at: dt.datetime
    customer: CustomerLimitedOut
    product: ActivatedProductOut


class LicenseValidationOut(Out):
    valid: bool


# ---------------------------------------------------------------- license keys (§11)


def _license_keys(request):
    return LicenseKey.objects.for_business(request.auth.business_id).with_instances_count()


@router.get("/license_keys", response={200: LicenseKeyListOut, **ERRORS})
def list_license_keys(request, filters: Query[LicenseKeyFilters]):
    """License keys, newest first. `status=expired` includes active keys past their
    expiry, which are reported as expired."""
    keys = created_between(_license_keys(request), filters)
    for field in ("customer_id", "product_id", "source"):
        value = getattr(filters, field)
        if value:
            keys = keys.filter(**{field: value})
    if filters.status:
        keys = keys.with_effective_status(filters.status)
    return {"items": [license_key_out(k) for k in newest_page(keys, filters)]}


@router.get("/license_keys/{id}", response={200: LicenseKeyOut, **ERRORS})
def get_license_key(request, id: str):
    return license_key_out(get_scoped(_license_keys(request), id))


@router.patch("/license_keys/{id}", response={200: LicenseKeyOut, **ERRORS})
def update_license_key(request, id: str, payload: LicenseKeyPatchIn):
    """`activations_limit` (null = unlimited; below the current activations: 422
    `ACTIVATION_LIMIT_LESS_THAN_CURRENT_AMOUNT`), `disabled`, `expires_at` (null =
    never; on a subscription's key: 400 `NO_EXPIRY_ON_SUBSCRIPTION_LICENSE_KEYS`).
    All or nothing."""
    key = get_scoped(_license_keys(request).select_related("business"), id)
    changes = payload.model_dump(exclude_unset=True)
    actor = actor_of(request)
    with transaction.atomic():
        if "activations_limit" in changes:
            licenses.license_key_set_activations_limit(
                license_key=key, activations_limit=changes["activations_limit"], actor=actor
            )
        if "expires_at" in changes:
            licenses.license_key_set_expiry(
                license_key=key, expires_at=changes["expires_at"], actor=actor
            )
        if changes.get("disabled") is True:
            licenses.license_key_disable(license_key=key, actor=actor)
        elif changes.get("disabled") is False:
            licenses.license_key_enable(license_key=key, actor=actor)
    return license_key_out(get_scoped(_license_keys(request), id))


def _instances(request):
    return LicenseKeyInstance.objects.for_business(request.auth.business_id)


@router.get("/license_key_instances", response={200: LicenseKeyInstanceListOut, **ERRORS})
def list_license_key_instances(request, filters: Query[LicenseKeyInstanceFilters]):
    """Activations, newest first. We have no entitlement grants: any `grant_id`
    matches nothing."""
    if filters.grant_id:
        return {"items": []}
    instances = _instances(request)
    if filters.license_key_id:
        instances = instances.filter(license_key_id=filters.license_key_id)
    return {"items": [instance_out(i) for i in newest_page(instances, filters)]}


@router.get("/license_key_instances/{id}", response={200: LicenseKeyInstanceOut, **ERRORS})
def get_license_key_instance(request, id: str):
    return instance_out(get_scoped(_instances(request), id))


@router.patch("/license_key_instances/{id}", response={200: LicenseKeyInstanceOut, **ERRORS})
def update_license_key_instance(request, id: str, payload: LicenseKeyInstancePatchIn):
    instance = get_scoped(_instances(request), id)
    instance = licenses.license_key_instance_rename(
        instance=instance, name=payload.name, actor=actor_of(request)
    )
    return instance_out(instance)


# ---------------------------------------------------------------- public licenses (§11)

PUBLIC_ACTOR = Actor.system("licenses API")


@public_router.post("/licenses/activate", response={201: LicenseActivationOut, **PUBLIC_ERRORS})
def activate_license(request, payload: LicenseActivateIn):
    """Public: no API key (an Authorization header is ignored). 201 with the new
    instance; 404 `LICENSE_KEY_NOT_FOUND`; 403 `INACTIVE_LICENSE_KEY` (disabled or
    expired); 422 `LICENSE_KEY_LIMIT_REACHED`. Whoever holds a key string learns no
    more about its customer than the contract requires: `customer.email` and
    `customer.name` (required), `phone_number` and `metadata` null."""
    instance = licenses.license_key_activate(
        key_string=payload.license_key, name=payload.name, actor=PUBLIC_ACTOR
    )
    key = instance.license_key
    return Status(
        201,
        {
            "id": instance.pk,
            "license_key_id": key.pk,
            "name": instance.name,
            "business_id": key.business_id,
            "created_at": instance.created_at,
            "customer": {
                **customer_limited(key.customer),
                "phone_number": None,
                "metadata": None,
            },
            "product": {"product_id": key.product_id, "name": key.product.name},
        },
    )


@public_router.post("/licenses/validate", response={200: LicenseValidationOut, **PUBLIC_ERRORS})
def validate_license(request, payload: LicenseValidateIn):
    """Public. `{"valid": true}` when the key exists, is active and not expired,
    and (if given) the instance is one of its activations; otherwise `{"valid":
    false}` with 200 — unknown keys included."""
    valid = licenses.license_key_validate(
        key_string=payload.license_key, instance_id=payload.license_key_instance_id
    )
    return {"valid": valid}


@public_router.post("/licenses/deactivate", response={200: None, **PUBLIC_ERRORS})
def deactivate_license(request, payload: LicenseDeactivateIn):
    """Public. 200 with an empty body; 404 `LICENSE_KEY_NOT_FOUND`; 403
    `LICENSE_KEY_INSTANCE_NOT_FOUND` when the instance is not this key's."""
    licenses.license_key_deactivate(
        key_string=payload.license_key,
        instance_id=payload.license_key_instance_id,
        actor=PUBLIC_ACTOR,
    )
    return None
