"""Portal access and self-service writes. Every function is one transaction and
writes an Event; e-mails go out with transaction.on_commit."""

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customers.audit import Actor, event_record
from customers.billing.subscriptions import subscription_cancel
from customers.core import ratelimit
from customers.core.errors import CustomerEmailTaken
from customers.models import Business, Customer, Subscription
from customers.services import customer_update
from portal.errors import (
    CancellationNotAllowed,
    CancellationReasonRequired,
    InvalidReturnUrl,
    PortalLinkInvalid,
    ProfileUpdatesDisabled,
    RateLimited,
)
from portal.models import PortalLink, PortalLogin, PortalSettings, token_hash

INVITE_TTL = dt.timedelta(hours=24)
MAGIC_TTL = dt.timedelta(minutes=30)
LOGIN_IDLE = dt.timedelta(hours=1)
LOGIN_ABSOLUTE = dt.timedelta(hours=12)
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)  # avoid a write on every page view
EMAIL_CHANGE_MAX_AGE = 24 * 3600
EMAIL_CHANGE_SALT = "portal.email-change"
# Login page limits: per e-mail address and per client IP, in a 15-minute window.
LOGIN_LIMIT_PER_EMAIL = 5
LOGIN_LIMIT_PER_IP = 20
LOGIN_WINDOW = 15 * 60


def public_url(path: str) -> str:
    """Links we hand out are built from PUBLIC_BASE_URL, never the request's Host."""
    return settings.PUBLIC_BASE_URL + path


def _clean_return_url(return_url: str | None) -> str:
    value = (return_url or "").strip()
    if not value:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as exc:
        raise InvalidReturnUrl() from exc
    if len(value) > 1000:
        raise InvalidReturnUrl()
    return value


def _send(
    customer: Customer, *, to: str, subject, template: str, context: dict, subject_params=None
) -> None:
    """E-mail the customer in their language: `subject` (a lazy string, with
    `subject_params` filled in) and `template` are both rendered in it."""
    with translation.override(
        customer.preferred_locale if customer.preferred_locale == "ko" else "en"
    ):
        body = render_to_string(template, {"customer": customer, **context})
        subject_text = str(subject) % (subject_params or {})
    transaction.on_commit(
        lambda: send_mail(
            subject_text, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False
        )
    )


def _new_link(
    *, customer: Customer, kind: str, ttl, return_url: str, created_by: str, emailed_to=""
):
    token = secrets.token_urlsafe(32)  # 256 bits
    link = PortalLink.objects.create(
        business=customer.business,
        customer=customer,
        kind=kind,
        token_hash=token_hash(token),
        return_url=return_url,
        emailed_to=emailed_to,
        created_by=created_by,
        expires_at=timezone.now() + ttl,
    )
    return link, public_url(reverse("portal:open", args=[token]))


def portal_session_create(
    *, customer: Customer, send_email: bool = False, return_url: str | None = None, actor: Actor
) -> tuple[PortalLink, str]:
    """A 24-hour portal link for one customer; optionally e-mailed to them.

    Returns the link row and the URL (the only place the token ever appears).
    """
    portal_settings = PortalSettings.for_business(customer.business)
    return_url = _clean_return_url(return_url) or portal_settings.default_return_url
    with transaction.atomic():
        link, url = _new_link(
            customer=customer,
            kind=PortalLink.Kind.INVITE,
            ttl=INVITE_TTL,
            return_url=return_url,
            created_by=actor.label,
            emailed_to=customer.email if send_email else "",
        )
        event_record(
            customer,
            type="portal_session.created",
            actor=actor,
            payload={
                "link_id": link.pk,
                "emailed": send_email,
                "expires_at": link.expires_at.isoformat(),
            },
        )
        if send_email:
            _send(
                customer,
                to=customer.email,
                subject=translation.gettext_lazy("Your %(business)s customer portal"),
                subject_params={"business": customer.business.name},
                template="portal/email/invite.txt",
                context={"url": url, "business": customer.business, "hours": 24},
            )
    return link, url


def portal_link_revoke(*, link: PortalLink, actor: Actor) -> PortalLink:
    with transaction.atomic():
        link = (
            PortalLink.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=link.pk)
        )
        if link.revoked_at is None:
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            PortalLogin.objects.filter(link=link, ended_at__isnull=True).update(
                ended_at=timezone.now()
            )
            event_record(
                link.customer,
                type="portal_session.revoked",
                actor=actor,
                payload={"link_id": link.pk},
            )
    return link


def magic_link_request(*, business: Business, email: str, client_ip: str) -> None:
    """E-mail a 30-minute, single-use sign-in link if `email` is a customer's.

    Says nothing about whether it was: callers show the same answer either way.
    Raises RateLimited when this address or IP has asked too often.
    """
    email = email.strip()
    wait = max(
        ratelimit.hit(
            f"portal-login-ip:{client_ip}", limit=LOGIN_LIMIT_PER_IP, window=LOGIN_WINDOW
        ),
        ratelimit.hit(
            f"portal-login-email:{business.pk}:{email.lower()}",
            limit=LOGIN_LIMIT_PER_EMAIL,
            window=LOGIN_WINDOW,
        ),
    )
    if wait:
        raise RateLimited(wait)
    customer = Customer.objects.for_business(business).filter(email__iexact=email).first()
    if customer is None:
        return
    with transaction.atomic():
        link, url = _new_link(
            customer=customer,
            kind=PortalLink.Kind.MAGIC,
            ttl=MAGIC_TTL,
            return_url=PortalSettings.for_business(business).default_return_url,
            created_by=customer.email,
            emailed_to=customer.email,
        )
        event_record(
            customer,
            type="portal.login_link_sent",
            actor=Actor.customer(customer),
            payload={"link_id": link.pk},
        )
        _send(
            customer,
            to=customer.email,
            subject=translation.gettext_lazy("Sign in to %(business)s"),
            subject_params={"business": business.name},
            template="portal/email/magic_link.txt",
            context={"url": url, "business": business, "minutes": 30},
        )


def portal_login_start(*, token: str) -> tuple[PortalLogin, str]:
    """Open a portal link: start a login and return it with its cookie token."""
    with transaction.atomic():
        link = (
            PortalLink.objects.usable()
            .select_for_update()
            .select_related("customer", "business")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if link is None:
            raise PortalLinkInvalid()
        now = timezone.now()
        if link.kind == PortalLink.Kind.MAGIC:
            link.used_at = now
            link.save(update_fields=["used_at"])
        cookie_token = secrets.token_urlsafe(32)
        login = PortalLogin.objects.create(
            business=link.business,
            customer=link.customer,
            link=link,
            token_hash=token_hash(cookie_token),
            return_url=link.return_url,
            started_at=now,
            last_seen_at=now,
        )
        event_record(
            link.customer,
            type="portal.login",
            actor=Actor.customer(link.customer),
            payload={"link_id": link.pk, "kind": link.kind},
        )
    return login, cookie_token


def portal_login_resolve(cookie_token: str | None) -> tuple[PortalLogin | None, PortalLogin | None]:
    """(the live login, or None; the login the cookie named even if it has ended)."""
    if not cookie_token:
        return None, None
    login = (
        PortalLogin.objects.select_related("customer", "business")
        .filter(token_hash=token_hash(cookie_token))
        .first()
    )
    if login is None:
        return None, None
    now = timezone.now()
    if login.ended_at is None and (
        now - login.last_seen_at > LOGIN_IDLE or now - login.started_at > LOGIN_ABSOLUTE
    ):
        login.ended_at = now
        login.save(update_fields=["ended_at"])
    if login.ended_at is not None:
        return None, login
    if now - login.last_seen_at > LAST_SEEN_RESOLUTION:
        PortalLogin.objects.filter(pk=login.pk).update(last_seen_at=now)
        login.last_seen_at = now
    return login, login


def portal_login_end(*, login: PortalLogin) -> None:
    PortalLogin.objects.filter(pk=login.pk, ended_at__isnull=True).update(ended_at=timezone.now())


def portal_profile_update(*, customer: Customer, name: str, phone_number: str) -> Customer:
    if not PortalSettings.for_business(customer.business).allow_profile_updates:
        raise ProfileUpdatesDisabled()
    return customer_update(
        customer=customer, actor=Actor.customer(customer), name=name, phone_number=phone_number
    )


COMMENT_MAX_LENGTH = 1000


def portal_subscription_cancel(
    *, customer: Customer, subscription: Subscription, when: str, feedback: str, comment: str
) -> Subscription:
    """The customer cancels one of their subscriptions, `when` "period_end" or "now", as
    far as the business's portal settings allow, giving a reason (a Feedback value)."""
    if not PortalSettings.for_business(customer.business).allows_cancellation(when):
        raise CancellationNotAllowed()
    if feedback not in Subscription.Feedback.values:
        raise CancellationReasonRequired()
    return subscription_cancel(
        subscription=subscription,
        actor=Actor.customer(customer),
        at_next_billing_date=when == "period_end",
        feedback=feedback,
        comment=comment[:COMMENT_MAX_LENGTH],
    )


def email_change_request(*, customer: Customer, new_email: str) -> None:
    """Send a confirmation link to the new address; nothing changes until it is opened."""
    if not PortalSettings.for_business(customer.business).allow_profile_updates:
        raise ProfileUpdatesDisabled()
    new_email = new_email.strip()
    taken = (
        Customer.objects.for_business(customer.business)
        .filter(email__iexact=new_email)
        .exclude(pk=customer.pk)
        .first()
    )
    if taken:
        raise CustomerEmailTaken(taken)
    token = signing.dumps(
        {"c": customer.pk, "old": customer.email, "new": new_email}, salt=EMAIL_CHANGE_SALT
    )
    with transaction.atomic():
        event_record(
            customer,
            type="customer.email_change_requested",
            actor=Actor.customer(customer),
            payload={"new_email": new_email},
        )
        _send(
            customer,
            to=new_email,
            subject=translation.gettext_lazy("Confirm your new e-mail address"),
            template="portal/email/confirm_email.txt",
            context={
                "url": public_url(reverse("portal:email_confirm", args=[token])),
                "business": customer.business,
                "new_email": new_email,
            },
        )


def email_change_confirm(*, token: str) -> Customer:
    """Apply a confirmed e-mail change. The link stops working once the address changed."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.BadSignature as exc:
        raise PortalLinkInvalid() from exc
    customer = Customer.objects.select_related("business").filter(pk=data["c"]).first()
    if customer is None or customer.email != data["old"]:
        raise PortalLinkInvalid()
    return customer_update(customer=customer, actor=Actor.customer(customer), email=data["new"])


def portal_settings_save(*, business: Business, actor: Actor, **values) -> PortalSettings:
    with transaction.atomic():
        current = PortalSettings.objects.select_for_update().filter(business=business).first()
        current = current or PortalSettings(business=business)
        changed = {}
        for field, value in values.items():
            old = getattr(current, field)
            if (bytes(old) if isinstance(old, memoryview) else old) != value:
                changed[field] = value if field != "logo" else f"{len(value)} bytes"
                setattr(current, field, value)
        current.save()
        if changed:
            event_record(
                business,
                type="portal_settings.updated",
                actor=actor,
                payload={"changes": changed},
            )
    return current


def client_ip(request) -> str:
    """REMOTE_ADDR; behind a proxy, configure it to set REMOTE_ADDR (not trusted headers)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
