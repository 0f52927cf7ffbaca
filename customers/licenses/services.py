"""License key operations: disable, enable, change the activations limit or expiry;
activate, validate and deactivate by the key string (the public /licenses API).

Each is one transaction that locks the key and writes an Event; refunds and
subscription changes call `license_keys_disable()` inside their own transaction.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.core.errors import (
    ActivationLimitLessThanCurrentAmount,
    InactiveLicenseKey,
    LicenseKeyInstanceNotFound,
    LicenseKeyLimitReached,
    LicenseKeyNotFound,
    NoExpiryOnSubscriptionLicenseKeys,
)
from customers.models import LicenseKey, LicenseKeyInstance


def _locked(license_key: LicenseKey) -> LicenseKey:
    return LicenseKey.objects.select_for_update().get(pk=license_key.pk)


def license_key_disable(*, license_key: LicenseKey, actor: Actor) -> LicenseKey:
    """Disable a key by hand; it stays disabled until someone enables it."""
    with transaction.atomic():
        key = _locked(license_key)
        if key.status == LicenseKey.Status.DISABLED and key.disabled_reason == "manual":
            return key
        key.status = LicenseKey.Status.DISABLED
        key.disabled_reason = LicenseKey.DisabledReason.MANUAL
        key.save(update_fields=["status", "disabled_reason", "updated_at"])
        event_record(
            key,
            type="license_key.disabled",
            actor=actor,
            payload={"reason": key.disabled_reason},
        )
    return key


def license_key_enable(*, license_key: LicenseKey, actor: Actor) -> LicenseKey:
    """Enable a disabled key; one past its expiry comes back as expired."""
    with transaction.atomic():
        key = _locked(license_key)
        if key.status != LicenseKey.Status.DISABLED:
            return key
        key.status = LicenseKey.Status.EXPIRED if key.is_expired else LicenseKey.Status.ACTIVE
        key.disabled_reason = ""
        key.save(update_fields=["status", "disabled_reason", "updated_at"])
        event_record(
            key,
            type="license_key.enabled",
            actor=actor,
            payload={"status": key.status},
        )
    return key


def license_key_set_activations_limit(
    *, license_key: LicenseKey, activations_limit: int | None, actor: Actor
) -> LicenseKey:
    """Change how many instances may be active (None = unlimited); never below the
    instances there are now. The key's row lock keeps a concurrent activation out."""
    with transaction.atomic():
        key = _locked(license_key)
        if activations_limit is not None:
            if activations_limit < 0:
                raise ActivationLimitLessThanCurrentAmount()
            current = key.instances.count()
            if activations_limit < current:
                raise ActivationLimitLessThanCurrentAmount()
        if key.activations_limit == activations_limit:
            return key
        old = key.activations_limit
        key.activations_limit = activations_limit
        key.save(update_fields=["activations_limit", "updated_at"])
        event_record(
            key,
            type="license_key.updated",
            actor=actor,
            payload={"activations_limit": [old, activations_limit]},
        )
    return key


def license_keys_disable(*, keys: QuerySet, reason: str, actor: Actor) -> int:
    """Disable every active key in `keys` (e.g. a refunded payment's) with `reason`.

    Call inside the caller's transaction; writes one Event per key disabled.
    """
    changed = list(
        keys.select_for_update().filter(
            status__in=[LicenseKey.Status.ACTIVE, LicenseKey.Status.EXPIRED]
        )
    )
    if not changed:
        return 0
    LicenseKey.objects.filter(pk__in=[k.pk for k in changed]).update(
        status=LicenseKey.Status.DISABLED, disabled_reason=reason, updated_at=timezone.now()
    )
    for key in changed:
        event_record(
            key,
            type="license_key.disabled",
            actor=actor,
            payload={"reason": reason},
        )
    return len(changed)


def license_key_instance_deactivate(*, instance: LicenseKeyInstance, actor: Actor) -> None:
    """Remove one activation (a device), freeing its slot under the activations limit."""
    with transaction.atomic():
        key = _locked(instance.license_key)
        deleted, _rows = LicenseKeyInstance.objects.filter(pk=instance.pk, license_key=key).delete()
        if deleted:
            event_record(
                key,
                type="license_key_instance.deactivated",
                actor=actor,
                payload={"instance_id": instance.pk, "name": instance.name},
            )


def license_key_set_expiry(*, license_key: LicenseKey, expires_at, actor: Actor) -> LicenseKey:
    """Set when a key expires (None = never). A subscription's keys follow the
    subscription and cannot be given an expiry."""
    with transaction.atomic():
        key = _locked(license_key)
        if expires_at is not None and key.subscription_id is not None:
            raise NoExpiryOnSubscriptionLicenseKeys()
        if key.expires_at == expires_at:
            return key
        old = key.expires_at
        key.expires_at = expires_at
        fields = ["expires_at", "updated_at"]
        # The stored status follows the expiry; a disabled key stays disabled.
        if key.status != LicenseKey.Status.DISABLED:
            key.status = LicenseKey.Status.EXPIRED if key.is_expired else LicenseKey.Status.ACTIVE
            fields.append("status")
        key.save(update_fields=fields)
        event_record(
            key,
            type="license_key.updated",
            actor=actor,
            payload={
                "expires_at": [
                    old.isoformat() if old else None,
                    expires_at.isoformat() if expires_at else None,
                ]
            },
        )
    return key


def license_key_instance_rename(
    *, instance: LicenseKeyInstance, name: str, actor: Actor
) -> LicenseKeyInstance:
    with transaction.atomic():
        locked = LicenseKeyInstance.objects.select_for_update().get(pk=instance.pk)
        name = name.strip()
        if locked.name == name:
            return locked
        old, locked.name = locked.name, name
        locked.save(update_fields=["name"])
        event_record(
            locked.license_key,
            type="license_key_instance.updated",
            actor=actor,
            payload={"instance_id": locked.pk, "name": [old, name]},
        )
    return locked


def license_key_find(key_string: str) -> LicenseKey:
    """The key with this string, across businesses (the public endpoints know no
    business). Keys we issue are UUIDs; an imported string that two businesses
    share is ambiguous and treated as not found."""
    matches = list(
        LicenseKey.objects.filter(key=key_string).select_related("business", "customer", "product")[
            :2
        ]
    )
    if len(matches) != 1:
        raise LicenseKeyNotFound()
    return matches[0]


def license_key_activate(*, key_string: str, name: str, actor: Actor) -> LicenseKeyInstance:
    """Record one activation (a device) of an active key, within its activations limit.

    The key's row lock makes concurrent activations take turns, so the limit holds.
    """
    found = license_key_find(key_string)
    with transaction.atomic():
        key = _locked(found)
        if key.effective_status != LicenseKey.Status.ACTIVE:
            raise InactiveLicenseKey()
        if key.activations_limit is not None and key.instances.count() >= key.activations_limit:
            raise LicenseKeyLimitReached()
        instance = LicenseKeyInstance.objects.create(
            business_id=key.business_id, license_key=key, name=name.strip()
        )
        event_record(
            key,
            type="license_key_instance.activated",
            actor=actor,
            payload={"instance_id": instance.pk, "name": instance.name},
        )
    instance.license_key = found
    return instance


def license_key_validate(*, key_string: str, instance_id: str | None = None) -> bool:
    """Whether the key exists, is active and not past its expiry, and (when given)
    the instance is one of its activations. A read: it writes no Event."""
    try:
        key = license_key_find(key_string)
    except LicenseKeyNotFound:
        return False
    if key.effective_status != LicenseKey.Status.ACTIVE:
        return False
    if instance_id is not None:
        return key.instances.filter(pk=instance_id).exists()
    return True


def license_key_deactivate(*, key_string: str, instance_id: str, actor: Actor) -> None:
    """Remove one activation by the key string and instance ID (the public endpoint)."""
    key = license_key_find(key_string)
    instance = LicenseKeyInstance.objects.filter(pk=instance_id, license_key=key).first()
    if instance is None:
        raise LicenseKeyInstanceNotFound()
    license_key_instance_deactivate(instance=instance, actor=actor)


def license_keys_enable(*, keys: QuerySet, reason: str, actor: Actor) -> int:
    """Enable every key in `keys` disabled for `reason` (a hold that lifted): the
    ones disabled by hand or for a refund stay off. Call inside the caller's
    transaction; one Event per key enabled."""
    changed = list(keys.select_for_update().filter(status=LicenseKey.Status.DISABLED))
    changed = [key for key in changed if key.disabled_reason == reason]
    for key in changed:
        key.status = LicenseKey.Status.EXPIRED if key.is_expired else LicenseKey.Status.ACTIVE
        key.disabled_reason = ""
        key.save(update_fields=["status", "disabled_reason", "updated_at"])
        event_record(key, type="license_key.enabled", actor=actor, payload={"status": key.status})
    return len(changed)
