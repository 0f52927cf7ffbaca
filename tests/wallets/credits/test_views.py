"""The Credits tab (balances, grants, ledger, grant / deduct with confirmation) and
Settings → Credits, with permissions and other-business invisibility."""

import pytest
from django.urls import reverse

from customers.models import Event
from tests.factories import CustomerFactory, ProductFactory
from tests.wallets.credits.helpers import debit, entitlement, grant
from wallets.credits.models import (
    CreditBalance,
    CreditEntitlement,
    CreditLedgerEntry,
    ProductCredit,
)
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "credits-tab"}


def tab(client, customer, **query):
    url = reverse("customers:detail", args=[customer.pk])
    return client.get(url, {"tab": "credits", **query})


def adjust(client, customer, **data):
    return client.post(reverse("credits:adjust", args=[customer.pk]), data, headers=HTMX)


def test_the_tab_shows_balances_grants_and_ledger(owner_client, business, customer):
    calls = entitlement(business, precision=1)
    minutes = entitlement(business, name="Render minutes", unit="minutes")
    grant(calls, customer, 1250.5, reason="Welcome pack")
    debit(calls, customer, 50)
    page = tab(owner_client, customer).content.decode()
    assert "1,200.5" in page and "Render minutes" in page
    assert "Welcome pack" in page and "Credits used" in page
    other = tab(owner_client, customer, entitlement=minutes.pk).content.decode()
    assert "No grants yet." in other


def test_the_tab_fragment_answers_htmx_alone(owner_client, business, customer):
    entitlement(business)
    response = owner_client.get(
        reverse("customers:detail", args=[customer.pk]), {"tab": "credits"}, headers=HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="credits-tab"') and "<html" not in body


def test_grant_by_hand_needs_a_confirmation_and_posts_once(owner_client, business, customer):
    calls = entitlement(business)
    data = {"direction": "credit", "entitlement": calls.pk, "amount": "40", "reason": "Goodwill"}
    review = adjust(owner_client, customer, **data)
    assert "Confirm this grant" in review.content.decode()
    assert not CreditLedgerEntry.objects.exists()
    token = review.context["credits_tab"]["confirm"]["values"]["token"]
    confirmed = {**data, "confirmed": "on", "token": token}
    adjust(owner_client, customer, **confirmed)
    adjust(owner_client, customer, **confirmed)  # a double click
    entry = CreditLedgerEntry.objects.get()
    assert (entry.transaction_type, entry.amount, entry.reason) == (
        "manual_adjustment",
        40_000,
        "Goodwill",
    )
    assert Event.objects.filter(type="credit.manual_adjustment").count() == 1
    assert verify_ledgers().ok


def test_a_deduction_above_the_balance_is_refused_on_the_form(owner_client, business, customer):
    calls = entitlement(business)
    grant(calls, customer, 5)
    data = {"direction": "debit", "entitlement": calls.pk, "amount": "6", "reason": "Usage"}
    response = adjust(owner_client, customer, **data, confirmed="on", token="t1")
    assert response.status_code == 200
    assert "this debit needs" in response.content.decode()
    assert CreditBalance.objects.get().balance == 5_000


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "abc"},
        {"amount": "-3"},
        {"amount": "1.5"},
        {"reason": " "},
        {"entitlement": "cde_x"},
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(owner_client, business, customer, changes):
    calls = entitlement(business)
    data = {
        "direction": "credit",
        "entitlement": calls.pk,
        "amount": "4",
        "reason": "Gift",
        **changes,
    }
    response = adjust(owner_client, customer, **data, confirmed="on", token="t2")
    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert not CreditLedgerEntry.objects.exists()


def test_viewers_cannot_adjust(viewer_client, business, customer):
    calls = entitlement(business)
    data = {"direction": "credit", "entitlement": calls.pk, "amount": "4", "reason": "x"}
    assert adjust(viewer_client, customer, **data, confirmed="on", token="t").status_code == 403
    assert not CreditLedgerEntry.objects.exists()


def test_other_businesses_are_404(owner_client, business, other_business):
    stranger = CustomerFactory(business=other_business)
    theirs = entitlement(other_business, name="Globex tokens")
    mine = CustomerFactory(business=business)
    data = {"direction": "credit", "entitlement": theirs.pk, "amount": "4", "reason": "x"}
    assert adjust(owner_client, stranger, **data).status_code == 404
    adjust(owner_client, mine, **data, confirmed="on", token="t3")  # their credit: not offered
    assert not CreditLedgerEntry.objects.exists()
    url = reverse("credit_settings_detail", args=[theirs.pk])
    assert owner_client.get(url).status_code == 404
    assert theirs.name not in owner_client.get(reverse("credit_settings")).content.decode()


def test_settings_create_edit_attach_delete_restore(owner_client, business):
    ProductFactory(business=business, name="Starter pack")
    response = owner_client.post(
        reverse("credit_settings"),
        {
            "name": "API calls",
            "unit": "calls",
            "precision": "0",
            "expiry": "30",
            "overage_behavior": "forgive_at_reset",
            "low_balance_thresholds": "100, 10",
        },
    )
    created = CreditEntitlement.objects.get()
    assert response.status_code == 302 and created.expires_after_days == 30
    assert created.low_balance_thresholds == [100, 10]
    detail = reverse("credit_settings_detail", args=[created.pk])
    edit = {
        "name": "Calls",
        "unit": "calls",
        "expiry": "custom",
        "overage_behavior": "forgive_at_reset",
    }
    page = owner_client.post(detail, edit)
    assert "Enter the number of days." in page.content.decode()
    owner_client.post(detail, {**edit, "expires_after_days": "45"})
    created.refresh_from_db()
    assert (created.name, created.expires_after_days) == ("Calls", 45)
    product = business.products.get()
    owner_client.post(
        reverse("credit_settings_product", args=[created.pk]),
        {"product": product.pk, "amount": "500"},
    )
    assert ProductCredit.objects.get().amount == 500_000
    owner_client.post(reverse("credit_settings_delete", args=[created.pk]))
    assert CreditEntitlement.objects.get().is_deleted
    owner_client.post(reverse("credit_settings_delete", args=[created.pk]), {"restore": "1"})
    assert not CreditEntitlement.objects.get().is_deleted


def test_settings_refuse_inconsistent_input_on_the_field(owner_client, business):
    response = owner_client.post(
        reverse("credit_settings"),
        {
            "name": "API calls",
            "unit": "calls",
            "precision": "0",
            "expiry": "never",
            "overage_behavior": "forgive_at_reset",
            "price_per_unit": "0.5",
        },
    )
    assert response.status_code == 200 and "needs a currency" in response.content.decode()
    assert not CreditEntitlement.objects.exists()


def test_viewers_cannot_open_settings(viewer_client):
    assert viewer_client.get(reverse("credit_settings")).status_code == 403


def test_the_tab_runs_a_fixed_number_of_queries(
    owner_client, business, customer, django_assert_max_num_queries
):
    calls = entitlement(business)
    for _ in range(30):
        grant(calls, customer, 2)
    with django_assert_max_num_queries(30):
        tab(owner_client, customer)


def test_settings_explain_overage_behaviours_and_need_a_price_to_invoice(owner_client, business):
    page = owner_client.get(reverse("credit_settings")).content.decode()
    assert "Forgive at reset: it is written off." in page
    assert "added to the renewal charge as a line of its own" in page
    owner_client.cookies["django_language"] = "ko"
    page = owner_client.get(reverse("credit_settings")).content.decode()
    assert "기간 초기화 때 면제: 초과 사용분을 없앱니다." in page
    owner_client.cookies["django_language"] = "en"
    fields = {
        "name": "API calls",
        "unit": "calls",
        "precision": "0",
        "expiry": "never",
        "overage_enabled": "on",
        "overage_behavior": "invoice_at_billing",
    }
    response = owner_client.post(reverse("credit_settings"), fields)
    assert response.status_code == 200
    assert "Invoicing overage needs a price per credit" in response.content.decode()
    assert not CreditEntitlement.objects.exists()
    priced = {**fields, "price_per_unit": "0.05", "currency": "USD"}
    assert owner_client.post(reverse("credit_settings"), priced).status_code == 302
    assert CreditEntitlement.objects.get().overage_behavior == "invoice_at_billing"
