"""The portal's rate limits: per business and per (however spelt) e-mail on the login
page, per customer on e-mail changes, behind proxies."""

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import Event
from portal import services
from tests.factories import BusinessFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def ask(client, business, email, **extra):
    return client.post(reverse("portal:login", args=[business.pk]), {"email": email}, **extra)


def test_one_business_abusers_do_not_lock_out_another_business_customers(client, business):
    neighbour = BusinessFactory(name="Neighbour")
    CustomerFactory(business=neighbour, email="hana@example.com")
    for i in range(services.LOGIN_LIMIT_PER_IP):
        ask(client, business, f"junk{i}@example.com")
    assert ask(client, business, "junk-more@example.com").status_code == 429
    # Same IP (same proxy), another business: its customers still get in.
    assert ask(client, neighbour, "hana@example.com").status_code == 302


@pytest.mark.parametrize(
    "spellings",
    [
        ["minjun@example.com", "MINJUN@example.com", "minjun@EXAMPLE.com"],
        ["ſam@example.com", "sam@example.com", "SAM@example.com", "ſAM@example.com"],  # long s
        ["ıda@example.com", "ida@example.com", "IDA@example.com", "ıDA@example.com"],  # dotless i
    ],
)
def test_look_alike_spellings_share_the_per_email_limit(
    client, business, spellings, django_capture_on_commit_callbacks
):
    CustomerFactory(business=business, email=spellings[1])
    statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(services.LOGIN_LIMIT_PER_EMAIL + 3):
            statuses.append(ask(client, business, spellings[i % len(spellings)]).status_code)
    assert statuses.count(302) == services.LOGIN_LIMIT_PER_EMAIL
    assert statuses[services.LOGIN_LIMIT_PER_EMAIL :] == [429] * 3
    assert len(mail.outbox) <= services.LOGIN_LIMIT_PER_EMAIL


def test_a_customer_gets_at_most_five_sign_in_mails_whatever_is_typed(
    client, business, monkeypatch, django_capture_on_commit_callbacks
):
    CustomerFactory(business=business, email="ada@example.com")
    # Even if two spellings slipped past the fold, the customer's own cap holds — and
    # silently: the answer is the same as for any other address.
    monkeypatch.setattr(services, "email_fold", lambda email: email)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            ask(client, business, address).status_code
            for address in ["ada@example.com"] * 4 + ["ADA@example.com"] * 4
        ]
    assert statuses == [302] * 8
    assert len(mail.outbox) == services.LOGIN_LIMIT_PER_EMAIL


def test_the_per_ip_limit_counts_the_client_behind_a_trusted_proxy(client, business, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for i in range(services.LOGIN_LIMIT_PER_IP):
        ask(client, business, f"a{i}@example.com", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
    assert (
        ask(client, business, "x@example.com", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
    ).status_code == 429
    assert (
        ask(client, business, "x@example.com", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)
    ).status_code == 302


def test_without_trusted_proxies_forwarded_headers_are_ignored(client, business, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(services.LOGIN_LIMIT_PER_IP):
        ask(client, business, f"a{i}@example.com", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert ask(client, business, "x@example.com", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429


def test_email_change_is_rate_limited_per_customer(
    portal_client, portal_customer, django_capture_on_commit_callbacks
):
    url = reverse("portal:profile")
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            portal_client.post(url, {"form": "email", "new_email": f"n{i}@example.com"}).status_code
            for i in range(services.EMAIL_CHANGE_LIMIT + 1)
        ]
    assert statuses == [302] * services.EMAIL_CHANGE_LIMIT + [429]
    limited = portal_client.post(url, {"form": "email", "new_email": "last@example.com"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many attempts. Try again in" in limited.content.decode()
    assert len(mail.outbox) == services.EMAIL_CHANGE_LIMIT
    assert Event.objects.filter(type="customer.email_change_requested").count() == 5
