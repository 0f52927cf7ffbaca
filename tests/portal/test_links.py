"""Portal links expire in two places that must each hold on their own: the service
that opens a link (portal_login_start) and the link's status the dashboard shows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.audit import Actor
from portal import services
from portal.errors import PortalLinkInvalid
from portal.models import PortalLink

pytestmark = pytest.mark.django_db


def _expire(link):
    PortalLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    link.refresh_from_db()
    return link


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_the_service_refuses_an_expired_link(portal_customer):
    link, url = services.portal_session_create(customer=portal_customer, actor=Actor.system())
    _expire(link)
    with pytest.raises(PortalLinkInvalid):
        services.portal_login_start(token=_token(url))
    assert not link.logins.exists()


def test_the_service_opens_a_link_until_it_expires(portal_customer):
    link, url = services.portal_session_create(customer=portal_customer, actor=Actor.system())
    PortalLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() + dt.timedelta(seconds=30)
    )
    login, cookie = services.portal_login_start(token=_token(url))
    assert login.link_id == link.pk and login.customer_id == portal_customer.pk
    assert len(cookie) >= 43  # 256 bits


def test_an_expired_link_has_the_expired_status(portal_customer):
    link, _url = services.portal_session_create(customer=portal_customer, actor=Actor.system())
    assert (link.status, link.get_status_display()) == ("active", "Active")
    _expire(link)
    assert (link.status, link.get_status_display()) == ("expired", "Expired")


def test_the_dashboard_labels_an_expired_link_expired(owner_client, portal_customer):
    link, _url = services.portal_session_create(customer=portal_customer, actor=Actor.system())
    _expire(link)
    page = owner_client.get(reverse("customers:detail", args=[portal_customer.pk]))
    html = page.content.decode()
    assert "Invite link · Expired" in html and "Invite link · Active" not in html
    assert reverse("portal_link_revoke", args=[portal_customer.pk, link.pk]) not in html


def test_portal_tokens_carry_256_bits(portal_customer):
    """README: links and cookies carry 256 random bits (43 URL-safe base64 characters)."""
    tokens = {
        _token(services.portal_session_create(customer=portal_customer, actor=Actor.system())[1])
        for _ in range(3)
    }
    assert len(tokens) == 3 and all(len(t) >= 43 for t in tokens), tokens
