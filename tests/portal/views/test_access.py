"""Getting into the portal (portal.views.access): invite and magic links, sessions,
rate limits, and tokens that never leak."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from customers.audit import Actor
from customers.models import Event
from portal import services
from portal.logging import redact
from portal.models import PortalLink, PortalLogin
from tests.factories import CustomerFactory
from tests.portal.conftest import portal_link
from tests.timing import within_one_window

pytestmark = pytest.mark.django_db
HOME = reverse("portal:home")


def test_invite_link_signs_in_and_drops_the_token(client, portal_customer, settings):
    settings.PUBLIC_BASE_URL = "https://hub.example.com"
    _link, url = services.portal_session_create(customer=portal_customer, actor=Actor.system())
    assert url.startswith("https://hub.example.com/portal/session/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, as the README promises
    assert not PortalLink.objects.filter(token_hash=token).exists()  # only its hash is stored
    response = client.get(url.replace("https://hub.example.com", ""))
    assert response.status_code == 302 and response["Location"] == HOME
    assert response["Referrer-Policy"] == "no-referrer"
    cookie = response.cookies["hub_portal"]
    assert cookie["path"] == "/portal/" and cookie["httponly"]
    home = client.get(HOME)
    assert home.status_code == 200 and "Min-jun Kim" in home.content.decode()
    assert Event.objects.filter(type="portal.login", actor_kind="customer").exists()


def test_invite_can_be_emailed(portal_customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _link, url = services.portal_session_create(
            customer=portal_customer, send_email=True, actor=Actor.system()
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["minjun@example.com"]
    assert url in mail.outbox[0].body


def test_bad_return_url_is_refused(portal_customer):
    from portal.errors import InvalidReturnUrl

    with pytest.raises(InvalidReturnUrl):
        services.portal_session_create(
            customer=portal_customer, return_url="javascript:alert(1)", actor=Actor.system()
        )
    assert not PortalLink.objects.exists()


def test_expired_revoked_and_garbage_links_get_a_friendly_page(client, portal_customer):
    path = portal_link(portal_customer)
    PortalLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = client.get(path)
    assert expired.status_code == 410
    assert "E-mail me a new link" in expired.content.decode()

    path = portal_link(portal_customer)
    link = PortalLink.objects.latest("created_at")
    services.portal_link_revoke(link=link, actor=Actor.system())
    assert client.get(path).status_code == 410

    garbage = client.get("/portal/session/not-a-real-token/")
    assert garbage.status_code == 404
    assert "Ask the business" in garbage.content.decode()
    assert client.get(HOME).status_code == 401


def test_revoking_a_link_signs_out_its_logins(portal_client, portal_customer):
    link = PortalLink.objects.get()
    services.portal_link_revoke(link=link, actor=Actor.system())
    response = portal_client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login", args=[portal_customer.business_id])


def test_idle_and_absolute_session_limits(portal_client, portal_customer):
    assert portal_client.get(HOME).status_code == 200
    PortalLogin.objects.update(last_seen_at=timezone.now() - dt.timedelta(minutes=61))
    assert portal_client.get(HOME).status_code == 302

    portal_client.get(portal_link(portal_customer))
    assert portal_client.get(HOME).status_code == 200
    PortalLogin.objects.filter(ended_at__isnull=True).update(
        started_at=timezone.now() - dt.timedelta(hours=12, minutes=1)
    )
    response = portal_client.get(HOME)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_portal_login_is_separate_from_merchant_login(portal_client, owner, client):
    # Signing a merchant in or out does not touch the portal login, and vice versa.
    portal_client.force_login(owner)
    portal_client.post(reverse("logout"))
    assert portal_client.get(HOME).status_code == 200
    portal_client.post(reverse("portal:logout"))
    assert portal_client.get(HOME).status_code in (302, 401)


def test_magic_link_login_answers_the_same_either_way(
    client, business, portal_customer, django_capture_on_commit_callbacks
):
    url = reverse("portal:login", args=[business.pk])
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "MINJUN@example.com"})
        unknown = client.post(url, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["minjun@example.com"]
    link_path = "/portal/" + mail.outbox[0].body.split("/portal/", 1)[1].split()[0]

    # One click (POST) is needed, so mail scanners cannot use it up; it then works once.
    confirm = client.get(link_path)
    assert confirm.status_code == 200 and "Open my portal" in confirm.content.decode()
    # Branded as the portal it opens: the business's brand stylesheet and name.
    page = confirm.content.decode()
    assert f"/portal/{business.pk}/brand.css" in page and 'class="portal-name">Acme Corp<' in page
    assert client.post(link_path).status_code == 302
    assert client.get(HOME).status_code == 200
    assert client.post(link_path).status_code == 410


def test_magic_links_expire_after_30_minutes(
    client, business, portal_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:login", args=[business.pk]), {"email": "minjun@example.com"})
    link = PortalLink.objects.get(kind="magic")
    assert dt.timedelta(minutes=29) < link.expires_at - link.created_at <= dt.timedelta(minutes=30)


def test_login_page_is_rate_limited_per_email_and_per_ip(client, business, portal_customer):
    url = reverse("portal:login", args=[business.pk])
    within_one_window(services.LOGIN_WINDOW, need=30)
    for _ in range(services.LOGIN_LIMIT_PER_EMAIL):
        assert client.post(url, {"email": "minjun@example.com"}).status_code == 302
    limited = client.post(url, {"email": "minjun@example.com"})
    assert limited.status_code == 429
    assert "Try again in" in limited.content.decode()
    assert int(limited["Retry-After"]) > 0
    # Refused requests are not counted: 5 admitted, then 15 more from the same IP.
    for i in range(services.LOGIN_LIMIT_PER_IP - services.LOGIN_LIMIT_PER_EMAIL):
        client.post(url, {"email": f"other{i}@example.com"})
    assert client.post(url, {"email": "fresh@example.com"}).status_code == 429


def test_login_page_rejects_bad_input_clearly(client, business):
    response = client.post(reverse("portal:login", args=[business.pk]), {"email": "not-an-email"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert client.get(reverse("portal:login", args=["bus_nope"])).status_code == 404


def test_tokens_never_reach_the_logs(client, portal_customer, caplog):
    path = portal_link(portal_customer)
    assert "[redacted]" in redact(f"GET {path} HTTP/1.1")
    assert path.split("/")[3] not in redact(f"GET {path} HTTP/1.1")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/portal/session/some-secret-token-value/")
    assert "some-secret-token-value" not in caplog.text


def test_forms_need_csrf(business, portal_customer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("portal:login", args=[business.pk]), {"email": "a@b.co"})
    assert response.status_code == 403


def test_another_customers_link_never_opens_this_customer(client, business, portal_customer):
    other = CustomerFactory(business=business, name="Other Person")
    client.get(portal_link(other))
    html = client.get(HOME).content.decode()
    assert "Other Person" in html and "Min-jun Kim" not in html


def test_korean_invite_mail_is_korean_from_the_business(
    business, django_capture_on_commit_callbacks, settings
):
    settings.DEFAULT_FROM_EMAIL = "Customer Hub <no-reply@hub.example>"
    customer = CustomerFactory(business=business, name="강유진", preferred_locale="ko")
    with django_capture_on_commit_callbacks(execute=True):
        services.portal_session_create(customer=customer, send_email=True, actor=Actor.system())
    message = mail.outbox[0]
    assert message.subject == "Acme Corp 고객 포털"
    assert message.from_email == "Acme Corp <no-reply@hub.example>"
    business.email_sender_name = "Acme Support"
    business.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.portal_session_create(customer=customer, send_email=True, actor=Actor.system())
    assert mail.outbox[1].from_email == "Acme Support <no-reply@hub.example>"
