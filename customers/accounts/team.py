"""The team of a business: invitations, roles, removal and ownership.

Every change is one function and one transaction with its Event. Changes that could
leave a business without an owner lock the business row first, so two of them never
interleave (two owners demoting each other at once: the second waits, then sees one
owner left and is refused) — a business always keeps at least one owner.

An invitation link carries a random token (256 bits); only its SHA-256 is stored.
It works once, until it expires (INVITATION_MAX_AGE); resending makes a new token,
so an older e-mail's link stops working; revoking ends it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.audit import Actor, event_record
from customers.core.errors import (
    AlreadyMember,
    DomainError,
    InvitationForOtherAccount,
    InvitationInvalid,
    LastOwner,
)
from customers.emails.services import email_queue
from customers.models import Business, Invitation, Membership

INVITATION_MAX_AGE = timedelta(days=7)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    """Built from PUBLIC_BASE_URL, never the request's Host."""
    return settings.PUBLIC_BASE_URL + reverse("invitation_accept", args=[token])


def _lock_business(business: Business) -> None:
    """The team's mutex: every change to who owns the business takes it first."""
    Business.objects.select_for_update().only("pk").get(pk=business.pk)


def _owner_count(business: Business) -> int:
    return Membership.objects.filter(business=business, role=Membership.Role.OWNER).count()


def _send_invitation(invitation: Invitation, token: str, inviter_label: str) -> None:
    business = invitation.business
    context = {
        "business": business,
        "role": invitation.get_role_display(),
        "inviter": inviter_label,
        "url": invitation_url(token),
        "expires_at": invitation.expires_at,
    }
    email_queue(
        business=business,
        to=invitation.email,
        subject=_("%(inviter)s invited you to %(business)s on Customer Hub")
        % {"inviter": inviter_label, "business": business.name},
        body=render_to_string("customers/email/team_invitation.txt", context),
        category="team",
        email_type="team_invitation",
    )


def invitation_create(
    *, business: Business, email: str, role: str, actor: Actor, invited_by=None
) -> tuple[Invitation, str]:
    """Invite an address with a role and e-mail it the link; returns the invitation and
    the token. An address with an open invitation gets that one again, with the new role
    and a new link. A member's address is refused (AlreadyMember)."""
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ValueError(f"unknown role {role!r}")
    if Membership.objects.filter(business=business, user__username__iexact=email).exists():
        raise AlreadyMember()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        _lock_business(business)  # two invitations of one address at once: one row
        invitation = Invitation.objects.for_business(business).pending().filter(email=email)
        invitation = invitation.first() or Invitation(
            business=business, email=email, invited_by=invited_by
        )
        resent = not invitation._state.adding
        invitation.role = role
        invitation.token_hash = _token_hash(token)
        invitation.sent_at = now
        invitation.expires_at = now + INVITATION_MAX_AGE
        invitation.save()
        event_record(
            invitation,
            type="invitation.resent" if resent else "invitation.created",
            actor=actor,
            payload={"email": email, "role": role},
        )
        _send_invitation(invitation, token, actor.label)
    return invitation, token


def invitation_resend(*, invitation: Invitation, actor: Actor) -> tuple[Invitation, str]:
    """E-mail a pending invitation again with a new link, valid for another week."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().select_related("business")
        locked = locked.filter(pk=invitation.pk).pending().first()
        if locked is None:
            raise InvitationInvalid()
        locked.token_hash = _token_hash(token)
        locked.sent_at = now
        locked.expires_at = now + INVITATION_MAX_AGE
        locked.save(update_fields=["token_hash", "sent_at", "expires_at"])
        event_record(
            locked,
            type="invitation.resent",
            actor=actor,
            payload={"email": locked.email, "role": locked.role},
        )
        _send_invitation(locked, token, actor.label)
    return locked, token


def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    """End a pending invitation; its link stops working. Revoking twice is a no-op."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None or locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        event_record(
            locked,
            type="invitation.revoked",
            actor=actor,
            payload={"email": locked.email, "role": locked.role},
        )
    return locked


def invitation_find(token: str) -> Invitation:
    """The usable invitation of a link's token, else InvitationInvalid."""
    if not token or len(token) > 100:
        raise InvitationInvalid()
    invitation = (
        Invitation.objects.pending()
        .select_related("business", "invited_by")
        .filter(token_hash=_token_hash(token), expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None:
        raise InvitationInvalid()
    return invitation


def invitee_account(invitation: Invitation):
    """The login that the invited address already has, or None."""
    return get_user_model().objects.filter(username__iexact=invitation.email).first()


def invitation_accept(*, token: str, user=None, password: str = "") -> Membership:
    """Join the business with the invitation's role, once.

    With `user` (signed in): it must be the invited address's login. Without: a new
    login is made for the invited address with `password` (the caller validated it);
    an address that already has a login must sign in instead (InvitationForOtherAccount
    is not the case then: the view asks them to sign in).
    """
    User = get_user_model()
    with transaction.atomic():
        invitation = invitation_find(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if (
            invitation.accepted_at is not None
            or invitation.revoked_at is not None
            or invitation.expires_at <= timezone.now()
        ):
            raise InvitationInvalid()  # used or revoked while we waited for the lock
        if user is None:
            if invitee_account(invitation) is not None:
                raise InvitationForOtherAccount(_("This e-mail address has a login: sign in."))
            user = User.objects.create_user(
                username=invitation.email, email=invitation.email, password=password
            )
        elif user.get_username().lower() != invitation.email:
            raise InvitationForOtherAccount()
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    business_id=invitation.business_id, user=user, role=invitation.role
                )
        except IntegrityError as exc:
            raise AlreadyMember() from exc
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        event_record(
            invitation,
            type="membership.created",
            actor=Actor.user(user),
            payload={"user": user.get_username(), "role": membership.role, "invitation": True},
        )
    membership.business = invitation.business
    return membership


def membership_role_change(*, membership: Membership, role: str, actor: Actor) -> Membership:
    """Give a member another role; the last owner cannot stop being one (LastOwner)."""
    if role not in Membership.Role.values:
        raise ValueError(f"unknown role {role!r}")
    with transaction.atomic():
        _lock_business(membership.business)
        locked = Membership.objects.select_related("user").get(pk=membership.pk)
        if locked.role == role:
            return locked
        if locked.role == Membership.Role.OWNER and _owner_count(locked.business) <= 1:
            raise LastOwner()
        old = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        event_record(
            locked.business,
            type="membership.role_changed",
            actor=actor,
            payload={"user": locked.user.get_username(), "from": old, "to": role},
        )
    return locked


def membership_remove(*, membership: Membership, actor: Actor) -> None:
    """Take a member out of the business (their login stays, and any other business);
    the last owner cannot be removed (LastOwner)."""
    with transaction.atomic():
        _lock_business(membership.business)
        locked = Membership.objects.select_related("user").filter(pk=membership.pk).first()
        if locked is None:
            return  # removed already
        if locked.role == Membership.Role.OWNER and _owner_count(locked.business) <= 1:
            raise LastOwner()
        locked.delete()
        event_record(
            membership.business,
            type="membership.removed",
            actor=actor,
            payload={"user": locked.user.get_username(), "role": locked.role},
        )


def ownership_transfer(
    *, business: Business, from_membership: Membership, to_membership: Membership, actor: Actor
) -> Membership:
    """Make another member the owner and the current owner an admin, at once."""
    with transaction.atomic():
        _lock_business(business)
        members = Membership.objects.select_related("user").filter(
            business=business, pk__in=[from_membership.pk, to_membership.pk]
        )
        members = {m.pk: m for m in members}
        giver, taker = members.get(from_membership.pk), members.get(to_membership.pk)
        if giver is None or taker is None or giver.pk == taker.pk:
            raise DomainError(_("Choose another member of the team."))
        if giver.role != Membership.Role.OWNER:
            raise LastOwner(_("Only an owner can hand over ownership."))
        taker.role = Membership.Role.OWNER
        taker.save(update_fields=["role"])
        giver.role = Membership.Role.ADMIN
        giver.save(update_fields=["role"])
        event_record(
            business,
            type="ownership.transferred",
            actor=actor,
            payload={"from": giver.user.get_username(), "to": taker.user.get_username()},
        )
    return taker
