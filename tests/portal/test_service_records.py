"""What the portal's services change and record, precisely: a revoked link or a
logout ends only its own sessions, once; a login's token and times; an e-mail change
request's limit, e-mail and event; a customer's cancellation comment; the plans the
merchant offers for plan changes."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from customers.audit import Actor
from customers.models import EmailLog, Event
from portal import services
from portal.errors import RateLimited
from portal.models import PortalLogin, PortalSettings
from tests.factories import CustomerFactory, ProductFactory
from tests.portal.conftest import make_product, make_subscription

pytestmark = pytest.mark.django_db


def _login(customer):
    link, url = services.portal_session_create(customer=customer, actor=Actor.system())
    login, cookie = services.portal_login_start(token=url.rstrip("/").rsplit("/", 1)[1])
    return link, login, cookie


def test_revoking_a_link_ends_its_own_live_sessions_only(business, portal_customer):
    link, login, cookie = _login(portal_customer)
    _other_link, earlier, _ = _login(portal_customer)
    ended_at = timezone.now() - dt.timedelta(hours=2)
    PortalLogin.objects.filter(pk=earlier.pk).update(link=link, ended_at=ended_at)
    _elsewhere, neighbour, neighbour_cookie = _login(CustomerFactory(business=business))

    services.portal_link_revoke(link=link, actor=Actor.system("support"))

    assert services.portal_login_resolve(cookie)[0] is None
    assert PortalLogin.objects.get(pk=earlier.pk).ended_at == ended_at  # kept as it was
    assert services.portal_login_resolve(neighbour_cookie)[0] == neighbour
    event = Event.objects.get(type="portal_session.revoked")
    assert event.payload == {"link_id": link.pk} and event.actor_label == "support"


def test_logging_out_ends_this_session_once(business, portal_customer):
    _link, login, cookie = _login(portal_customer)
    _link2, other, other_cookie = _login(portal_customer)
    services.portal_login_end(login=login)
    live, named = services.portal_login_resolve(cookie)
    assert live is None and named == login
    first_end = PortalLogin.objects.get(pk=login.pk).ended_at
    assert first_end is not None
    services.portal_login_end(login=login)  # a second logout (another tab)
    assert PortalLogin.objects.get(pk=login.pk).ended_at == first_end
    assert services.portal_login_resolve(other_cookie)[0] == other


def test_a_login_starts_now_with_a_256_bit_cookie(portal_customer):
    _link, login, cookie = _login(portal_customer)
    login.refresh_from_db()
    assert login.started_at == login.last_seen_at
    assert len(cookie) == 43  # 32 random bytes, URL-safe base64 without padding


def test_a_session_at_exactly_its_limits_is_still_live(portal_customer):
    _link, login, cookie = _login(portal_customer)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        PortalLogin.objects.filter(pk=login.pk).update(
            last_seen_at=now - services.LOGIN_IDLE, started_at=now - services.LOGIN_ABSOLUTE
        )
        assert services.portal_login_resolve(cookie)[0] == login


def test_each_customer_has_their_own_email_change_limit(business, portal_customer):
    for n in range(services.EMAIL_CHANGE_LIMIT):
        services.email_change_request(customer=portal_customer, new_email=f"n{n}@example.com")
    with pytest.raises(RateLimited):
        services.email_change_request(customer=portal_customer, new_email="late@example.com")
    neighbour = CustomerFactory(business=business)
    services.email_change_request(customer=neighbour, new_email="mine@example.com")


def test_an_email_change_mails_the_new_address_and_records_the_request(
    business, portal_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_change_request(customer=portal_customer, new_email=" new@example.com ")
    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert business.name in message.body and "new@example.com" in message.body
    assert EmailLog.objects.get(recipient="new@example.com").email_type == (
        "email_change_confirmation"
    )
    event = Event.objects.get(type="customer.email_change_requested")
    assert event.payload == {"new_email": "new@example.com", "sent": True}


def test_a_request_for_an_address_taken_by_another_customer_records_it_unsent(
    business, portal_customer, django_capture_on_commit_callbacks
):
    CustomerFactory(business=business, email="taken@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.email_change_request(customer=portal_customer, new_email="Taken@example.com")
    assert mail.outbox == []
    event = Event.objects.get(type="customer.email_change_requested")
    assert event.payload == {"new_email": "Taken@example.com", "sent": False}


def test_a_customer_may_change_the_case_of_their_own_address(
    portal_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_change_request(customer=portal_customer, new_email="MinJun@example.com")
    assert [m.to for m in mail.outbox] == [["MinJun@example.com"]]


def test_a_cancellation_keeps_the_customers_comment_cut_to_its_limit(business, portal_customer):
    sub = make_subscription(portal_customer, make_product(business))
    comment = "Too pricey for us. " + "x" * services.COMMENT_MAX_LENGTH
    sub = services.portal_subscription_cancel(
        customer=portal_customer,
        subscription=sub,
        when="period_end",
        feedback="too_expensive",
        comment=comment,
    )
    sub.refresh_from_db()
    assert sub.cancellation_comment == comment[: services.COMMENT_MAX_LENGTH]


def test_the_plans_offered_for_changes_are_saved_and_recorded_when_they_change(
    business, other_business
):
    actor = Actor.system()
    basic, pro = make_product(business, name="Basic"), make_product(business, name="Pro")
    foreign = ProductFactory(business=other_business)
    services.portal_settings_save(business=business, actor=actor, plan_change_products=[pro])
    services.portal_settings_save(
        business=business, actor=actor, plan_change_products=[basic, pro, foreign]
    )
    services.portal_settings_save(business=business, actor=actor, plan_change_products=[pro, basic])
    offered = PortalSettings.for_business(business).plan_change_products
    assert set(offered.values_list("pk", flat=True)) == {basic.pk, pro.pk}
    events = Event.objects.filter(type="portal_settings.updated").order_by("created_at", "id")
    assert [e.payload for e in events] == [
        {"changes": {"plan_change_products": [pro.pk]}},
        {"changes": {"plan_change_products": sorted([basic.pk, pro.pk])}},
    ]


def test_a_portal_session_records_whether_it_was_emailed_and_where_it_returns(
    business, portal_customer, django_capture_on_commit_callbacks
):
    services.portal_settings_save(
        business=business, actor=Actor.system(), default_return_url="https://shop.example.com/"
    )
    quiet, _url = services.portal_session_create(customer=portal_customer, actor=Actor.system())
    with django_capture_on_commit_callbacks(execute=True):
        sent, _url = services.portal_session_create(
            customer=portal_customer, send_email=True, actor=Actor.system()
        )
    assert (quiet.emailed_to, sent.emailed_to) == ("", "minjun@example.com")
    assert quiet.return_url == sent.return_url == "https://shop.example.com/"
    # By link: two events made in the same millisecond have IDs in no set order.
    payloads = {
        e.payload["link_id"]: e.payload for e in Event.objects.filter(type="portal_session.created")
    }
    assert payloads == {
        quiet.pk: {
            "link_id": quiet.pk,
            "emailed": False,
            "expires_at": quiet.expires_at.isoformat(),
        },
        sent.pk: {"link_id": sent.pk, "emailed": True, "expires_at": sent.expires_at.isoformat()},
    }


def test_a_session_seen_again_after_a_minute_is_marked_seen_then(portal_customer):
    _link, login, cookie = _login(portal_customer)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        PortalLogin.objects.filter(pk=login.pk).update(
            last_seen_at=now - services.LAST_SEEN_RESOLUTION
        )
        live, _named = services.portal_login_resolve(cookie)  # exactly a minute: no write
        assert PortalLogin.objects.get(pk=login.pk).last_seen_at == now - dt.timedelta(minutes=1)
    with time_machine.travel(now + dt.timedelta(seconds=1), tick=False):
        live, _named = services.portal_login_resolve(cookie)
        assert live.last_seen_at == timezone.now()
        assert PortalLogin.objects.get(pk=login.pk).last_seen_at == timezone.now()


def test_a_link_without_a_return_url_has_none(portal_customer):
    link, _url = services.portal_session_create(customer=portal_customer, actor=Actor.system())
    assert link.return_url == ""


def test_a_return_url_of_exactly_1000_characters_is_kept(portal_customer):
    url = "https://shop.example.com/" + "a" * (services.RETURN_URL_MAX_LENGTH - 25)
    assert len(url) == services.RETURN_URL_MAX_LENGTH
    link, _url = services.portal_session_create(
        customer=portal_customer, return_url=url, actor=Actor.system()
    )
    assert link.return_url == url


def test_the_invite_mail_names_the_business_and_how_long_the_link_works(
    portal_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.portal_session_create(
            customer=portal_customer, send_email=True, actor=Actor.system()
        )
    [message] = mail.outbox
    assert "Acme Corp" in message.body and "24 hours" in message.body
    assert EmailLog.objects.get(recipient="minjun@example.com").email_type == "portal_invite"
