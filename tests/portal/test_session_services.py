"""Portal sign-in as services (portal.services): sessions' idle and absolute limits
at their edges, what a login records, and the merchant's portal settings."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from customers.audit import Actor
from customers.models import Event
from portal import services
from portal.errors import InvalidReturnUrl
from portal.models import PortalLink, PortalLogin

pytestmark = pytest.mark.django_db


def _login(customer):
    _link, url = services.portal_session_create(customer=customer, actor=Actor.system())
    return services.portal_login_start(token=url.rstrip("/").rsplit("/", 1)[1])


def _age(login, *, idle=dt.timedelta(0), started=dt.timedelta(0)):
    now = timezone.now()
    PortalLogin.objects.filter(pk=login.pk).update(
        last_seen_at=now - idle, started_at=now - started
    )


def test_a_session_lives_until_its_idle_and_absolute_limits(portal_customer):
    login, cookie = _login(portal_customer)
    _age(login, idle=services.LOGIN_IDLE - dt.timedelta(minutes=1))
    assert services.portal_login_resolve(cookie)[0] == login
    _age(login, started=services.LOGIN_ABSOLUTE - dt.timedelta(minutes=1))
    assert services.portal_login_resolve(cookie)[0] == login
    _age(login, started=services.LOGIN_ABSOLUTE + dt.timedelta(minutes=1))
    live, named = services.portal_login_resolve(cookie)
    assert live is None and named == login
    assert PortalLogin.objects.get(pk=login.pk).ended_at is not None


def test_an_idle_session_ends(portal_customer):
    login, cookie = _login(portal_customer)
    _age(login, idle=services.LOGIN_IDLE + dt.timedelta(minutes=1))
    assert services.portal_login_resolve(cookie) == (None, login)
    assert services.portal_login_resolve(None) == (None, None)
    assert services.portal_login_resolve("no-such-cookie") == (None, None)


def test_last_seen_is_written_at_most_once_a_minute(portal_customer):
    login, cookie = _login(portal_customer)
    _age(login, idle=dt.timedelta(seconds=30))
    seen = PortalLogin.objects.get(pk=login.pk).last_seen_at
    services.portal_login_resolve(cookie)
    assert PortalLogin.objects.get(pk=login.pk).last_seen_at == seen
    _age(login, idle=dt.timedelta(seconds=90))
    services.portal_login_resolve(cookie)
    assert timezone.now() - PortalLogin.objects.get(pk=login.pk).last_seen_at < dt.timedelta(
        seconds=5
    )


def test_a_login_records_who_came_in_how(portal_customer):
    login, cookie = _login(portal_customer)
    assert len(cookie) >= 43 and login.customer == portal_customer
    event = Event.objects.get(type="portal.login")
    assert event.payload == {"link_id": login.link_id, "kind": "invite"}


def test_a_magic_link_for_an_unknown_address_sends_and_stores_nothing(
    business, portal_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.magic_link_request(business=business, email=" nobody@example.com ", client_ip="1")
    assert mail.outbox == [] and not PortalLink.objects.exists()


def test_korean_customers_get_korean_mail(portal_customer, django_capture_on_commit_callbacks):
    portal_customer.preferred_locale = "ko"
    portal_customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.portal_session_create(
            customer=portal_customer, send_email=True, actor=Actor.system()
        )
    assert mail.outbox[0].subject == "Acme Corp 고객 포털"


def test_a_korean_customers_sign_in_mail_is_korean(
    business, portal_customer, django_capture_on_commit_callbacks
):
    portal_customer.preferred_locale = "ko"
    portal_customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.magic_link_request(business=business, email="minjun@example.com", client_ip="1")
    assert mail.outbox[0].subject == "Acme Corp에 로그인"


def test_a_return_url_over_1000_characters_is_refused(portal_customer):
    with pytest.raises(InvalidReturnUrl):
        services.portal_session_create(
            customer=portal_customer,
            return_url="https://shop.example.com/" + "a" * 1000,
            actor=Actor.system(),
        )
    link, _url = services.portal_session_create(
        customer=portal_customer, return_url=" https://shop.example.com/done ", actor=Actor.system()
    )
    assert link.return_url == "https://shop.example.com/done"


def test_saving_portal_settings_records_only_what_changed(business, owner):
    actor = Actor.system()
    services.portal_settings_save(business=business, actor=actor, allow_profile_updates=False)
    services.portal_settings_save(business=business, actor=actor, allow_profile_updates=False)
    services.portal_settings_save(business=business, actor=actor, brand_color="#000000")
    events = Event.objects.filter(type="portal_settings.updated").order_by("created_at", "id")
    assert [e.payload for e in events] == [
        {"changes": {"allow_profile_updates": False}},
        {"changes": {"brand_color": "#000000"}},
    ]
