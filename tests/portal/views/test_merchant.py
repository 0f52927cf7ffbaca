"""The merchant's side of the portal (portal.views.merchant): the Invite action, the
portal settings, and invites and visits on the details page."""

import pytest
from django.core import mail
from django.urls import reverse

from customers.audit import Actor
from customers.models import Event
from portal.errors import InvalidReturnUrl
from portal.models import PortalLink, PortalSettings
from portal.services import portal_settings_save
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_owner_creates_an_invite_and_sees_the_link(
    owner_client, customer, django_capture_on_commit_callbacks
):
    url = reverse("customer_invite", args=[customer.pk])
    assert "Create link" in owner_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url, {"send_email": "on"})
    html = response.content.decode()
    assert "/portal/session/" in html and "We e-mailed the link" in html
    assert mail.outbox[0].to == [customer.email]
    assert PortalLink.objects.filter(customer=customer, kind="invite").count() == 1
    event = Event.objects.get(type="portal_session.created")
    assert event.actor_kind == "user"


def test_invite_under_htmx_returns_the_fragment(owner_client, customer):
    response = owner_client.post(
        reverse("customer_invite", args=[customer.pk]), {}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="invite-body"') and "<html" not in body


def test_invite_with_a_bad_return_url(owner_client, customer):
    response = owner_client.post(
        reverse("customer_invite", args=[customer.pk]), {"return_url": "ftp://x"}
    )
    assert "Enter a valid URL." in response.content.decode()
    assert not PortalLink.objects.exists()


def test_viewers_cannot_invite(viewer_client, customer):
    assert viewer_client.post(reverse("customer_invite", args=[customer.pk])).status_code == 403
    assert not PortalLink.objects.exists()


def test_other_businesses_customers_cannot_be_invited(owner_client, other_business):
    stranger = CustomerFactory(business=other_business)
    assert owner_client.post(reverse("customer_invite", args=[stranger.pk])).status_code == 404
    assert not PortalLink.objects.exists()


def test_invite_column_for_editors(owner_client, customer):
    table = owner_client.get(reverse("customers:list")).context["table"]
    assert "invite" in [c.name for c in table.columns]


def test_no_invite_column_for_viewers(viewer_client, customer):
    table = viewer_client.get(reverse("customers:list")).context["table"]
    assert "invite" not in [c.name for c in table.columns]


def test_portal_settings_page(owner_client, business):
    url = reverse("portal_settings")
    response = owner_client.post(
        url,
        {
            "allow_cancellation": "period_end",
            "allow_profile_updates": "",
            "default_return_url": "https://shop.example.com/",
            "brand_color": "#0A7CFF",
        },
    )
    assert response.status_code == 302
    saved = PortalSettings.objects.get(business=business)
    assert saved.allow_cancellation == "period_end" and not saved.allow_profile_updates
    assert saved.brand_color == "#0a7cff"
    css = owner_client.get(reverse("portal:brand_css", args=[business.pk])).content.decode()
    assert "--brand: #0a7cff" in css


def test_the_logo_is_set_once_for_the_business(owner_client, business):
    """The portal shows the business's one logo (Settings → Business, tested there):
    its settings page links there and takes no upload of its own."""
    page = owner_client.get(reverse("portal_settings")).content.decode()
    assert reverse("business_profile") in page and 'type="file"' not in page
    assert owner_client.get(reverse("portal:logo", args=[business.pk])).status_code == 404


def test_bad_colour_is_refused(owner_client, business):
    response = owner_client.post(
        reverse("portal_settings"), {"allow_cancellation": "both", "brand_color": "red;}"}
    )
    assert "Enter a colour such as #4f46e5." in response.content.decode()


def test_viewers_cannot_change_portal_settings(viewer_client):
    assert (
        viewer_client.post(reverse("portal_settings"), {"brand_color": "#000000"}).status_code
        == 403
    )


def test_details_page_shows_invites_last_visit_and_revokes(owner_client, client, customer):
    from urllib.parse import urlsplit

    from customers.audit import Actor
    from portal import services

    _link, url = services.portal_session_create(customer=customer, actor=Actor.system("api"))
    detail = reverse("customers:detail", args=[customer.pk])
    html = owner_client.get(detail).content.decode()
    assert "Has not visited the portal yet." in html and "Invite link · Active" in html

    visitor = type(client)()
    visitor.get(urlsplit(url).path)
    html = owner_client.get(detail).content.decode()
    assert "Last visit" in html and "Signed in to the portal" in html

    link = PortalLink.objects.get()
    response = owner_client.post(reverse("portal_link_revoke", args=[customer.pk, link.pk]))
    assert response.status_code == 302
    assert "Invite link · Revoked" in owner_client.get(detail).content.decode()
    assert visitor.get(reverse("portal:home")).status_code == 302  # signed out


@pytest.mark.parametrize(
    "url", ["ftp://shop.example.com/", "javascript:alert(1)", "data:text/html,x", "file:///etc"]
)
def test_default_return_url_is_http_or_https_only(owner_client, business, url):
    response = owner_client.post(
        reverse("portal_settings"),
        {"allow_cancellation": "both", "brand_color": "#4f46e5", "default_return_url": url},
    )
    assert response.status_code == 200
    assert not PortalSettings.objects.filter(business=business).exists()
    with pytest.raises(InvalidReturnUrl):
        portal_settings_save(business=business, actor=Actor.system(), default_return_url=url)
