"""Portal links and the e-mails that carry them: made by the services (invites) and by
the worker (`magic_link_send`, the sign-in link the static login page asks for)."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customers.audit import Actor, event_record
from customers.core import ratelimit
from customers.core.locales import customer_language
from customers.emails.services import email_queue
from customers.models import Customer, is_tombstone
from portal.models import PortalLink, PortalSettings, token_hash

INVITE_TTL = dt.timedelta(hours=24)
MAGIC_TTL = dt.timedelta(minutes=30)
# At most this many sign-in e-mails to one customer per window (seconds), however the
# address was spelt on the login page; beyond, nothing is sent (and nothing said).
MAGIC_MAILS_PER_CUSTOMER = 5
MAGIC_MAILS_WINDOW = 15 * 60


def public_url(path: str) -> str:
    """Links we hand out are built from PUBLIC_BASE_URL, never the request's Host."""
    return settings.PUBLIC_BASE_URL + path


def link_email(
    customer: Customer,
    *,
    to: str,
    subject,
    template: str,
    context: dict,
    email_type: str,
    subject_params: dict | None = None,
    language: str | None = None,
) -> None:
    """Queue an e-mail to (or for) the customer, subject and body in their language
    (their `preferred_locale`, else `language`, the page's that asked, else English);
    the worker sends it. `subject` is a lazy msgid, filled with `subject_params` inside
    the language switch (formatted before it, the subject stayed English)."""
    with translation.override(customer_language(customer.preferred_locale, language)):
        body = render_to_string(template, {"customer": customer, **context})
        subject_text = str(subject) % subject_params if subject_params else str(subject)
    email_queue(
        business=customer.business,
        customer_id=customer.pk,
        to=to,
        subject=subject_text,
        body=body,
        category="auth",
        email_type=email_type,
    )


def link_new(
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


def magic_link_send(*, business_id: str, email: str, language: str = "") -> PortalLink | None:
    """The worker's half of `magic_link_request`: if `email` is a customer's, create the
    link and queue the e-mail (in `language`, the login page's, unless the customer
    prefers another); else do nothing."""
    customer = (
        Customer.objects.filter(business_id=business_id, email__iexact=email)
        .select_related("business")
        .first()
    )
    if customer is None or is_tombstone(customer):  # a deleted customer cannot sign in
        return None
    if not ratelimit.take(
        f"portal-login-customer:{customer.pk}",
        limit=MAGIC_MAILS_PER_CUSTOMER,
        window=MAGIC_MAILS_WINDOW,
    ).allowed:
        return None
    business = customer.business
    with transaction.atomic():
        link, url = link_new(
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
        link_email(
            customer,
            to=customer.email,
            subject=translation.gettext_lazy("Sign in to %(business)s"),
            subject_params={"business": business.name},
            template="portal/email/magic_link.txt",
            context={"url": url, "business": business, "minutes": 30},
            email_type="portal_magic_link",
            language=language,
        )
    return link
