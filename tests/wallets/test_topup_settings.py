"""Settings → Wallet top-ups: owners and admins set the bounds and the bonus rule."""

import pytest

from customers.models import Event
from wallets.models import TopUpSettings

pytestmark = pytest.mark.django_db

URL = "/settings/wallet-top-ups/"


def test_owner_sets_the_bonus_rule(owner_client, business):
    page = owner_client.get(URL).content.decode()
    assert "takes back its bonus first" in page and "INR" in page
    form = {
        "currency": "USD",
        "usd-enabled": "on",
        "usd-min_amount": "10.00",
        "usd-max_amount": "1,000.00",
        "usd-bonus_percent": "10",
        "usd-bonus_min_amount": "50",
    }
    response = owner_client.post(URL, form, follow=True)
    assert "+10% on top-ups of $50.00 or more" in response.content.decode()
    rule = TopUpSettings.objects.get(business=business, currency="USD")
    assert (rule.min_amount, rule.max_amount, rule.bonus_percent, rule.bonus_min_amount) == (
        1000,
        100000,
        10,
        5000,
    )
    assert Event.objects.filter(type="wallet.top_up_settings_updated").count() == 1


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("usd-max_amount", "5.00", "The largest top-up must be at least the smallest."),
        ("usd-bonus_percent", "150", "less than or equal to 100"),
        ("usd-min_amount", "ten", "Enter an amount with digits only"),
        ("usd-min_amount", "0", "greater than zero"),
    ],
)
def test_bad_values_are_form_errors(owner_client, field, value, error):
    form = {
        "currency": "USD",
        "usd-min_amount": "10.00",
        "usd-max_amount": "100.00",
        "usd-bonus_percent": "0",
        field: value,
    }
    response = owner_client.post(URL, form)
    assert response.status_code == 200 and error in response.content.decode()
    assert not TopUpSettings.objects.exists()


def test_viewers_cannot_change_it(viewer_client):
    assert viewer_client.get(URL).status_code in (403, 404)
    assert viewer_client.post(URL, {"currency": "USD"}).status_code in (403, 404)
    assert not TopUpSettings.objects.exists()


def test_korean(owner_client):
    owner_client.cookies["django_language"] = "ko"
    assert owner_client.get(URL).status_code == 200
