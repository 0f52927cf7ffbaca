"""License key operations: disable, enable, change the activations limit.

Each is one transaction that locks the key and writes an Event; refunds and
subscription changes call `license_keys_disable()` inside their own transaction.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from customers.errors import ActivationLimitLessThanCurrentAmount
from customers.models import LicenseKey, LicenseKeyInstance
from customers.services import Actor, event_record


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
            business=key.business,
            type="license_key.disabled",
            actor=actor,
            object_id=key.pk,
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
            business=key.business,
            type="license_key.enabled",
            actor=actor,
            object_id=key.pk,
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
            business=key.business,
            type="license_key.updated",
            actor=actor,
            object_id=key.pk,
            payload={"activations_limit": [old, activations_limit]},
        )
    return key


def license_keys_disable(*, keys: QuerySet, reason: str, actor: Actor) -> int:
    """Disable every active key in `keys` (e.g. a refunded payment's) with `reason`.

    Call inside the caller's transaction; writes one Event per key disabled.
    """
    changed = list(
        keys.select_for_update(of=("self",))
        .filter(status__in=[LicenseKey.Status.ACTIVE, LicenseKey.Status.EXPIRED])
        .select_related("business")
    )
    if not changed:
        return 0
    LicenseKey.objects.filter(pk__in=[k.pk for k in changed]).update(
        status=LicenseKey.Status.DISABLED, disabled_reason=reason, updated_at=timezone.now()
    )
    for key in changed:
        event_record(
            business=key.business,
            type="license_key.disabled",
            actor=actor,
            object_id=key.pk,
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
                business=key.business,
                type="license_key_instance.deactivated",
                actor=actor,
                object_id=key.pk,
                payload={"instance_id": instance.pk, "name": instance.name},
            )
