"""Portal access and self-service writes. Every function is one transaction and
writes an Event; e-mails go out with transaction.on_commit."""

import datetime as dt
import re
import secrets
import unicodedata

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from customers.audit import Actor, event_record
from customers.billing.subscriptions import subscription_cancel
from customers.core import ratelimit
from customers.core.locales import api_locale
from customers.core.prepared import prepared
from customers.core.tasks import enqueue_on_commit
from customers.core.validation import HTTP_URL_PATTERN, text_problem
from customers.lifecycle.errors import CustomerAlreadyDeleted
from customers.models import Business, Customer, Subscription, is_tombstone
from customers.services import BILLING_FIELDS, customer_update
from portal.errors import (
    CancellationNotAllowed,
    CancellationReasonRequired,
    InvalidComment,
    InvalidReturnUrl,
    PortalLinkInvalid,
    ProfileUpdatesDisabled,
    RateLimited,
)
from portal.links import INVITE_TTL, link_email, link_new, public_url
from portal.models import PortalLink, PortalLogin, PortalSettings, token_hash
from portal.tasks import portal_magic_link_send

LOGIN_IDLE = dt.timedelta(hours=1)
LOGIN_ABSOLUTE = dt.timedelta(hours=12)
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)  # avoid a write on every page view
EMAIL_CHANGE_MAX_AGE = 24 * 3600
EMAIL_CHANGE_SALT = "portal.email-change"
# Login page limits: per e-mail address and per client IP (per business), in a 15-minute
# window; and at most that many sign-in e-mails to one customer, whatever was typed.
LOGIN_LIMIT_PER_EMAIL = 5
LOGIN_LIMIT_PER_IP = 20
LOGIN_WINDOW = 15 * 60
# E-mail changes: confirmation requests per signed-in customer per hour.
EMAIL_CHANGE_LIMIT = 5
EMAIL_CHANGE_WINDOW = 3600


# A return URL: http(s), a host name (no spaces, quotes or angle brackets; at most
# 253 characters), then any path. The API schema states this very pattern.
RETURN_URL_PATTERN = HTTP_URL_PATTERN
RETURN_URL_MAX_LENGTH = 1000


def _clean_return_url(return_url: str | None) -> str:
    value = (return_url or "").strip()
    if not value:
        return ""
    if len(value) > RETURN_URL_MAX_LENGTH or not re.fullmatch(RETURN_URL_PATTERN, value):
        raise InvalidReturnUrl()
    return value


def portal_session_create(
    *, customer: Customer, send_email: bool = False, return_url: str | None = None, actor: Actor
) -> tuple[PortalLink, str]:
    """A 24-hour portal link for one customer; optionally e-mailed to them.

    Returns the link row and the URL (the only place the token ever appears). A
    deleted customer has no portal: CustomerAlreadyDeleted.
    """
    if is_tombstone(customer):
        raise CustomerAlreadyDeleted()
    portal_settings = PortalSettings.for_business(customer.business)
    return_url = _clean_return_url(return_url) or portal_settings.default_return_url
    with transaction.atomic():
        link, url = link_new(
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
            link_email(
                customer,
                to=customer.email,
                subject=translation.gettext_lazy("Your %(business)s customer portal"),
                subject_params={"business": customer.business.name},
                template="portal/email/invite.txt",
                context={"url": url, "business": customer.business, "hours": 24},
                email_type="portal_invite",
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


def email_fold(email: str) -> str:
    """One spelling for every way of typing an address that may reach the same customer:
    NFKC, then upper case (the database's case-insensitive match compares UPPER(), which
    turns `ſ` into S and `ı` into I), then casefold."""
    return unicodedata.normalize("NFKC", email.strip()).upper().casefold()


def magic_link_request(
    *, business: Business, email: str, client_ip: str, language: str | None = None
) -> None:
    """Ask for a 30-minute, single-use sign-in link for `email`.

    The same work whatever the address: count it against the limits, then enqueue one
    task that decides (`portal.links.magic_link_send`), so neither the answer nor its
    timing says whether the address is a customer's. Raises RateLimited when this
    address (however spelt) or this IP has asked this business too often; the limit
    that shows depends only on what was typed, never on whether a customer matched.
    `language` is the login page's: the e-mail's when the customer has no preferred one.
    """
    email = email.strip()
    verdict = ratelimit.take_all(
        [
            (
                f"portal-login-ip:{business.pk}:{ratelimit.ip_bucket(client_ip)}",
                LOGIN_LIMIT_PER_IP,
                LOGIN_WINDOW,
            ),
            (
                f"portal-login-email:{business.pk}:{email_fold(email)}",
                LOGIN_LIMIT_PER_EMAIL,
                LOGIN_WINDOW,
            ),
        ]
    )
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)
    enqueue_on_commit(portal_magic_link_send, business.pk, email, language or "")


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
    login = next(iter(_login_by_token(token_hash=token_hash(cookie_token))), None)
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


@prepared("token_hash")
def _login_by_token(*, token_hash: str) -> QuerySet[PortalLogin]:
    """The login with its customer, business and portal settings (every portal page's
    first query: prepared)."""
    return (
        PortalLogin.objects.select_related("customer", "business__portal_settings")
        .filter(token_hash=token_hash)
        .order_by("pk")[:1]
    )


def portal_login_end(*, login: PortalLogin) -> None:
    PortalLogin.objects.filter(pk=login.pk, ended_at__isnull=True).update(ended_at=timezone.now())


def portal_language_set(*, customer: Customer, language: str) -> Customer:
    """The customer picked a portal language: it becomes their `preferred_locale`, so
    their e-mails and PDFs follow, when the API has a code for it (Hindi has none: the
    choice then stays on the browser only)."""
    locale = api_locale(language)
    if locale is None or locale == customer.preferred_locale:
        return customer
    return customer_update(
        customer=customer, actor=Actor.customer(customer), preferred_locale=locale
    )


def portal_profile_update(*, customer: Customer, name: str, phone_number: str) -> Customer:
    if not PortalSettings.for_business(customer.business).allow_profile_updates:
        raise ProfileUpdatesDisabled()
    return customer_update(
        customer=customer, actor=Actor.customer(customer), name=name, phone_number=phone_number
    )


def portal_billing_update(*, customer: Customer, **billing: str) -> Customer:
    """The customer changes their own billing details (BILLING_FIELDS), if allowed."""
    if not PortalSettings.for_business(customer.business).allow_profile_updates:
        raise ProfileUpdatesDisabled()
    unknown = set(billing) - set(BILLING_FIELDS)
    if unknown:
        raise TypeError(f"portal_billing_update() got unexpected fields: {sorted(unknown)}")
    return customer_update(customer=customer, actor=Actor.customer(customer), **billing)


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
    if text_problem(comment):
        raise InvalidComment()
    return subscription_cancel(
        subscription=subscription,
        actor=Actor.customer(customer),
        at_next_billing_date=when == "period_end",
        feedback=feedback,
        comment=comment[:COMMENT_MAX_LENGTH],
    )


def email_change_request(*, customer: Customer, new_email: str, language: str = "") -> None:
    """Send a confirmation link to the new address (in the customer's language, else
    `language`, the page's); nothing changes until it is opened.

    An address that is another customer's gets no link, and the caller cannot tell:
    the answer is the same, so the portal does not reveal who else is a customer.
    Raises RateLimited after EMAIL_CHANGE_LIMIT requests in EMAIL_CHANGE_WINDOW.
    """
    if not PortalSettings.for_business(customer.business).allow_profile_updates:
        raise ProfileUpdatesDisabled()
    verdict = ratelimit.take(
        f"portal-email-change:{customer.pk}", limit=EMAIL_CHANGE_LIMIT, window=EMAIL_CHANGE_WINDOW
    )
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)
    new_email = new_email.strip()
    taken = (
        Customer.objects.for_business(customer.business)
        .filter(email__iexact=new_email)
        .exclude(pk=customer.pk)
        .exists()
    )
    token = signing.dumps(
        {"c": customer.pk, "old": customer.email, "new": new_email}, salt=EMAIL_CHANGE_SALT
    )
    with transaction.atomic():
        event_record(
            customer,
            type="customer.email_change_requested",
            actor=Actor.customer(customer),
            payload={"new_email": new_email, "sent": not taken},
        )
        if taken:
            return
        link_email(
            customer,
            to=new_email,
            subject=translation.gettext_lazy("Confirm your new e-mail address"),
            template="portal/email/confirm_email.txt",
            email_type="email_change_confirmation",
            language=language,
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
    if "default_return_url" in values:  # http(s) only, as for a link's own return URL
        values["default_return_url"] = _clean_return_url(values["default_return_url"])
    plans = values.pop("plan_change_products", None)
    with transaction.atomic():
        current = PortalSettings.objects.select_for_update().filter(business=business).first()
        current = current or PortalSettings(business=business)
        changed = {}
        if plans is not None:
            offered = {p.pk for p in plans if p.business_id == business.pk}
            # The primary key is the business's, so even unsaved settings can be asked.
            before = set(current.plan_change_products.values_list("pk", flat=True))
            if offered != before:
                changed["plan_change_products"] = sorted(offered)
        for field, value in values.items():
            if getattr(current, field) != value:
                changed[field] = value
                setattr(current, field, value)
        current.save()
        if "plan_change_products" in changed:
            current.plan_change_products.set(changed["plan_change_products"])
        if changed:
            event_record(
                business,
                type="portal_settings.updated",
                actor=actor,
                payload={"changes": changed},
            )
    return current
