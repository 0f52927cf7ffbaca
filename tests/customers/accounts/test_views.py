"""Merchant sign-in and the current business (customers.accounts: auth views,
middleware, permissions, business_switch), and the headers every page sends."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import Membership
from tests.customers.helpers import names
from tests.factories import BusinessFactory, CustomerFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


def test_password_reset_link_uses_the_public_base_url(
    client, owner, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://hub.example.com"
    settings.ALLOWED_HOSTS = ["*"]  # even where any Host is accepted
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("password_reset"), {"email": owner.email}, headers={"host": "evil.example"}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = re.search(r"https?://\S+", body).group(0)
    assert link.startswith("https://hub.example.com/accounts/reset/")
    assert "evil.example" not in body


def test_password_reset_answers_the_same_for_unknown_emails(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_wrong_password_gets_a_clear_message(client, owner):
    response = client.post(reverse("login"), {"username": owner.username, "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_logout_is_a_post(owner_client):
    response = owner_client.post(reverse("logout"))
    assert response.status_code == 302
    assert owner_client.get(reverse("customers:list")).status_code == 302


def test_pages_send_a_strict_content_security_policy(owner_client):
    policy = owner_client.get(reverse("customers:list"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_login_page_signs_a_merchant_in(client, owner):
    response = client.post(
        reverse("login"), {"username": owner.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"  # the overview


def test_user_without_business_gets_a_clear_page(client):
    client.force_login(UserFactory())
    response = client.get(LIST)
    assert response.status_code == 403
    assert "not a member of any business" in response.content.decode()


def test_switching_business(owner_client, owner, business):
    second = BusinessFactory(name="Second Shop")
    MembershipFactory(user=owner, business=second, role=Membership.Role.VIEWER)
    CustomerFactory(business=second, name="Second customer")
    owner_client.post(reverse("customers:switch_business"), {"business": second.pk})
    assert names(owner_client.get(LIST)) == ["Second customer"]
    # A business the user does not belong to cannot be chosen.
    stranger = BusinessFactory(name="Stranger")
    owner_client.post(reverse("customers:switch_business"), {"business": stranger.pk})
    assert names(owner_client.get(LIST)) == ["Second customer"]
