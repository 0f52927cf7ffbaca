"""Merchant and admin sign-in are throttled per account and per IP, with a clear
message and a way out through the password reset (customers.accounts.signin)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RIGHT = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Dozens of sign-ins per test: hash with MD5 here (the rules under test are the
    limits, not the hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, username, password, ip="198.51.100.7", url=None):
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(client, owner, settings):
    statuses = [sign_in(client, owner.username, f"guess-{i}").status_code for i in range(40)]
    assert statuses[: settings.LOGIN_ATTEMPTS_PER_ACCOUNT] == [200] * 5
    assert set(statuses[settings.LOGIN_ATTEMPTS_PER_ACCOUNT :]) == {429}
    response = sign_in(client, owner.username, RIGHT)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    minutes = int(re.search(r"Too many failed sign-in attempts. Try again in (\d+) min", page)[1])
    assert 15 <= minutes <= 17  # 15 minutes, counted in slots of 90 seconds
    assert f'href="{reverse("password_reset")}"' in page
    assert 0 < int(response["Retry-After"]) <= settings.LOGIN_ATTEMPTS_WINDOW * 11 // 10


def test_the_account_lock_holds_from_any_address_and_spelling(client, owner):
    for i in range(5):
        sign_in(client, owner.username, "nope", ip=f"198.51.100.{i}")
    assert sign_in(client, owner.username.upper(), RIGHT, ip="203.0.113.1").status_code == 429
    assert sign_in(client, owner.username, RIGHT, ip="203.0.113.2").status_code == 429


def test_one_address_cannot_guess_across_many_accounts(client, settings):
    users = UserFactory.create_batch(5)
    for i in range(settings.LOGIN_ATTEMPTS_PER_IP):
        sign_in(client, users[i % 5].username, "nope")
    fresh = UserFactory()
    assert sign_in(client, fresh.username, RIGHT).status_code == 429
    assert sign_in(client, fresh.username, RIGHT, ip="203.0.113.9").status_code == 302


def test_successful_sign_ins_do_not_count(client, owner):
    for _ in range(10):
        assert sign_in(client, owner.username, RIGHT).status_code == 302
        client.logout()
    for _ in range(4):
        sign_in(client, owner.username, "nope")
    assert sign_in(client, owner.username, RIGHT).status_code == 302


def test_a_password_reset_lifts_the_account_lock(client, owner, django_capture_on_commit_callbacks):
    for _ in range(6):
        sign_in(client, owner.username, "nope")
    assert sign_in(client, owner.username, RIGHT).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": owner.email})
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0).split("8000", 1)[1]
    form_url = client.get(link)["Location"]
    response = client.post(
        form_url, {"new_password1": "a-new-long-secret-42", "new_password2": "a-new-long-secret-42"}
    )
    assert response.status_code == 302
    assert sign_in(client, owner.username, "a-new-long-secret-42").status_code == 302


def test_admin_sign_in_is_throttled_too(client):
    staff = get_user_model().objects.create_superuser("ops@example.com", "ops@example.com", RIGHT)
    url = reverse("admin:login")
    for _ in range(5):
        sign_in(client, staff.username, "nope", url=url)
    response = sign_in(client, staff.username, RIGHT, url=url)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "someone@example.com", "x", url=url).status_code == 200


def test_the_password_reset_cannot_be_used_to_flood_a_mailbox(
    client, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answers = {
            client.post(reverse("password_reset"), {"email": owner.email})["Location"]
            for _ in range(8)
        }
    assert answers == {reverse("password_reset_done")}  # the same answer every time
    assert len(mail.outbox) == 5
