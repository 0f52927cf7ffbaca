"""The business profile: who the merchant is on invoices, e-mails and the portal.

`business_profile_update` changes the profile's fields and records what changed;
`business_logo_set` replaces or removes the one logo the portal header, invoices
and receipts show (kept apart from the business row: `BusinessLogo`).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.core.errors import DomainError
from customers.models import Business, BusinessLogo


class BusinessNameTaken(DomainError):
    code = "BUSINESS_NAME_TAKEN"
    status = 409
    default_message = _("Another business already uses this name; choose another.")


PROFILE_FIELDS = (
    "name",
    "legal_name",
    "address_country",
    "address_line1",
    "address_line2",
    "address_city",
    "address_postal_code",
    "address_state",
    "tax_id",
    "support_email",
    "website",
    "default_currency",
    "country",
    "email_sender_name",
)
LOGO_MAX_BYTES = 200 * 1024
# The first bytes of each image type we take; anything else (SVG: scripts) is refused.
LOGO_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"RIFF": "image/webp",
}


def logo_content_type(data: bytes) -> str | None:
    """The image type of an upload by its first bytes (PNG, JPEG, WebP), else None."""
    for signature, content_type in LOGO_SIGNATURES.items():
        if data.startswith(signature) and (content_type != "image/webp" or data[8:12] == b"WEBP"):
            return content_type
    return None


def business_profile_update(*, business: Business, actor: Actor, **values) -> Business:
    """Change some of the profile's fields; records each change, from and to."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"business_profile_update() got unexpected fields: {sorted(unknown)}")
    name = values.get("name")
    if name and Business.objects.filter(name=name).exclude(pk=business.pk).exists():
        raise BusinessNameTaken()
    try:
        locked = _profile_save(business, actor, values)
    except IntegrityError as exc:  # a concurrent rename took the name
        raise BusinessNameTaken() from exc
    for field in values:
        setattr(business, field, getattr(locked, field))
    return business


def _profile_save(business: Business, actor: Actor, values: dict) -> Business:
    with transaction.atomic():
        locked = Business.objects.select_for_update().get(pk=business.pk)
        diff = {
            field: [getattr(locked, field), value]
            for field, value in values.items()
            if getattr(locked, field) != value
        }
        if diff:
            for field, (_old, new) in diff.items():
                setattr(locked, field, new)
            locked.save(update_fields=list(diff))
            event_record(locked, type="business.updated", actor=actor, payload={"changes": diff})
    return locked


def business_logo_set(*, business: Business, actor: Actor, image: bytes) -> Business:
    """Replace the logo with `image` (checked by the form: type and size), or remove it
    when `image` is empty."""
    if image and logo_content_type(image) is None:
        raise ValueError("not a PNG, JPEG or WebP image")
    if len(image) > LOGO_MAX_BYTES:
        raise ValueError("logo larger than LOGO_MAX_BYTES")
    with transaction.atomic():
        locked = Business.objects.select_for_update().get(pk=business.pk)
        if image:
            BusinessLogo.objects.update_or_create(
                business=locked,
                defaults={"image": image, "content_type": logo_content_type(image)},
            )
            locked.logo_updated_at = timezone.now()
            payload = {"logo": f"{len(image)} bytes"}
        else:
            if locked.logo_updated_at is None:
                return business
            BusinessLogo.objects.filter(business=locked).delete()
            locked.logo_updated_at = None
            payload = {"logo": "removed"}
        locked.save(update_fields=["logo_updated_at"])
        event_record(locked, type="business.logo_changed", actor=actor, payload=payload)
    business.logo_updated_at = locked.logo_updated_at
    return business
