"""Operations on merchant accounts: a business and the people who work in it.

Each is one function and one transaction, and writes its Event in it.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from customers.audit import Actor, event_record
from customers.models import Business, Membership


def merchant_create(
    *, business_name: str, email: str, password: str, country: str = ""
) -> tuple[Membership, bool]:
    """Create a business and its owner login; idempotent for the same e-mail.

    Returns the owner's membership and whether anything was created.
    """
    User = get_user_model()
    email = email.strip().lower()
    with transaction.atomic():
        business, business_created = Business.objects.get_or_create(
            name=business_name.strip(), defaults={"country": country.strip().upper()[:2]}
        )
        user = User.objects.filter(username__iexact=email).first()
        user_created = user is None
        if user_created:
            user = User.objects.create_user(username=email, email=email, password=password)
        membership, membership_created = Membership.objects.get_or_create(
            business=business, user=user, defaults={"role": Membership.Role.OWNER}
        )
        if membership_created:
            event_record(
                business,
                type="membership.created",
                actor=Actor.system("create_merchant"),
                payload={"user": email, "role": membership.role},
            )
    return membership, business_created or user_created or membership_created
