import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Event
from tests.factories import CustomerFactory, MembershipFactory
from tests.wallets.helpers import credit, debit
from wallets import selectors
from wallets.models import LedgerEntry, Wallet
from wallets.views import wallet_tab_context

pytestmark = pytest.mark.django_db
# The wallet tab's own requests swap #wallet-tab (its paging, filter and form).
HTMX = {"HX-Request": "true", "HX-Target": "wallet-tab"}


def old_tab_url(customer):
    return reverse("wallets:tab", args=[customer.pk])


def get_tab(client, customer, query=None, **kwargs):
    """The details page's wallet tab, as its links ask for it."""
    return client.get(detail_url(customer), {"tab": "wallet", **(query or {})}, **kwargs)


def adjust_url(customer):
    return reverse("wallets:adjust", args=[customer.pk])


def detail_url(customer):
    return reverse("customers:detail", args=[customer.pk])


def form(**changes):
    data = {"direction": "credit", "currency": "USD", "amount": "12.50", "reason": "Goodwill"}
    data.update(changes)
    return data


def confirm(client, customer, **changes):
    """Review, then press Confirm with the token the review step handed out."""
    review = client.post(adjust_url(customer), form(**changes), headers=HTMX)
    assert review.status_code == 200
    confirmed = review.context["wallet_tab"]["form"]
    data = {name: confirmed[name].value() for name in confirmed.fields}
    return client.post(adjust_url(customer), data, headers=HTMX), data


def test_fragment_shows_a_formatted_balance_card_per_currency(owner_client, customer):
    credit(customer, 123450)
    credit(customer, 12345600, currency="INR")
    response = get_tab(owner_client, customer, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="wallet-tab"')
    assert "$1,234.50" in html and "₹1,23,456.00" in html
    assert "HX-Request" in response["Vary"]


def test_every_currency_has_a_card_even_without_a_wallet(owner_client, customer):
    html = get_tab(owner_client, customer, headers=HTMX).content.decode()
    assert html.count('class="card wallet-card"') == 2
    assert "$0.00" in html and "₹0.00" in html and "No wallet entries yet" in html
    assert not Wallet.objects.exists()


def test_ledger_rows_show_direction_amounts_balances_reason_reference_and_actor(
    owner_client, customer, owner
):
    credit(customer, 5000, reason="Refund to wallet", reference_id="pay_123", event_type="refund")
    debit(customer, 1250, reason="Renewal", reference_id="sub_unknown")
    html = get_tab(owner_client, customer, headers=HTMX).content.decode()
    assert "+$50.00" in html and "−$12.50" in html
    assert "$50.00 → " in html and "$37.50" in html
    assert "Refund to wallet" in html and "Merchant adjustment" not in html
    payment_url = reverse("customers:payment_detail", args=[customer.pk, "pay_123"])
    assert f'href="{payment_url}"' in html
    assert "<code>sub_unknown</code>" in html  # no page to link to: the ID as text
    assert "tests" in html  # who did it (the actor's label)
    assert "UTC" in html


def test_the_details_page_includes_the_wallet_tab(owner_client, customer):
    credit(customer, 999)
    html = owner_client.get(detail_url(customer), {"tab": "wallet"}).content.decode()
    assert 'id="wallet-tab"' in html and "$9.99" in html


def test_non_htmx_get_goes_to_the_details_page_tab(owner_client, customer):
    response = owner_client.get(old_tab_url(customer), {"currency": "INR", "page": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(customer)}?tab=wallet&currency=INR&page=2"


def test_currency_filter_and_pagination(owner_client, customer):
    for n in range(25):
        credit(customer, 100 + n)
    credit(customer, 7700, currency="INR")
    inr = get_tab(owner_client, customer, {"currency": "inr"}, headers=HTMX)
    assert [e.currency for e, _url in inr.context["wallet_tab"]["rows"]] == ["INR"]
    first = get_tab(owner_client, customer, headers=HTMX).context["wallet_tab"]
    assert len(first["rows"]) == 20 and first["next"] and not first["previous"]
    assert "page=2" in first["next"]["href"] and "tab=wallet" in first["next"]["href"]
    second = get_tab(owner_client, customer, {"page": "2"}, headers=HTMX).context
    assert len(second["wallet_tab"]["rows"]) == 6
    garbage = get_tab(owner_client, customer, {"page": "zz", "currency": "EUR"}, headers=HTMX)
    assert garbage.status_code == 200 and garbage.context["wallet_tab"]["currency"] == ""


def test_ledger_query_count_does_not_grow_with_entries(owner_client, customer):
    credit(customer, 100, reference_id="pay_1")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert get_tab(owner_client, customer, headers=HTMX).status_code == 200
        return len(captured)

    few = queries()
    for n in range(30):
        credit(customer, 100 + n, currency="INR" if n % 2 else "USD", reference_id=f"pay_{n}")
    assert queries() == few
    assert few <= 8  # session, user, membership, customer, wallets, count, page


def test_template_renders_from_the_context_alone(customer, owner):
    credit(customer, 4200)
    request = RequestFactory().get("/")
    request.user = owner
    context = {
        "customer": customer,
        "membership": owner.memberships.get(),
        **wallet_tab_context(customer=customer, params={}),
    }
    html = render_to_string("wallets/_wallet_tab.html", context, request=request)
    assert "$42.00" in html and "Credit / Debit" in html


def test_credit_needs_a_review_then_a_confirmation(owner_client, customer, owner):
    review = owner_client.post(adjust_url(customer), form(), headers=HTMX)
    html = review.content.decode()
    assert review.status_code == 200 and "Confirm credit" in html
    assert "$0.00 → " in html and "$12.50" in html
    assert not LedgerEntry.objects.exists()

    response, _data = confirm(owner_client, customer)
    assert response.status_code == 200
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.direction, entry.event_type) == (
        1250,
        "credit",
        "merchant_adjustment",
    )
    assert entry.reason == "Goodwill" and entry.actor_label == owner.username
    assert entry.idempotency_key.startswith("dashboard:")
    assert "Credited $12.50. New balance $12.50." in response.content.decode()
    assert Event.objects.filter(object_id=entry.pk, actor_label=owner.username).exists()


def test_a_double_submitted_confirmation_posts_once(owner_client, customer):
    _response, data = confirm(owner_client, customer)
    again = owner_client.post(adjust_url(customer), data, headers=HTMX)
    assert again.status_code == 200
    assert LedgerEntry.objects.count() == 1
    assert selectors.balance(customer, "USD") == 1250


def test_debit_through_the_form(owner_client, customer):
    credit(customer, 5000)
    response, _data = confirm(owner_client, customer, direction="debit", amount="20")
    assert "Debited $20.00. New balance $30.00." in response.content.decode()
    assert selectors.balance(customer, "USD") == 3000


def test_inr_amounts_are_parsed_in_paise(owner_client, customer):
    confirm(owner_client, customer, currency="INR", amount="1,23,456")
    assert selectors.balance(customer, "INR") == 12345600


def test_back_returns_to_the_form_with_what_was_typed(owner_client, customer):
    response = owner_client.post(adjust_url(customer), {**form(), "back": "1"}, headers=HTMX)
    html = response.content.decode()
    assert "Review" in html and 'value="12.50"' in html and "Confirm credit" not in html
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "Enter a reason for this adjustment."),
        ({"reason": "   "}, "Enter a reason for this adjustment."),
        ({"amount": ""}, "This field is required."),
        ({"amount": "abc"}, "Enter an amount with digits only, such as 12.50."),
        ({"amount": "1e3"}, "Enter an amount with digits only, such as 12.50."),
        ({"amount": "12,50"}, "is ambiguous here"),
        ({"amount": "0"}, "Enter an amount greater than zero."),
        ({"amount": "-5"}, "Enter an amount greater than zero."),
        ({"amount": "1.234"}, "at most 2 decimal places"),
        ({"amount": "99999999999999999999"}, "That amount is too large."),
        ({"currency": "EUR"}, "Select a valid choice."),
        ({"direction": "sideways"}, "Select a valid choice."),
        ({"direction": "debit"}, "The USD wallet is empty, so there is nothing to debit."),
    ],
)
def test_bad_form_input_is_a_clear_error_and_writes_nothing(
    owner_client, customer, changes, message
):
    response = owner_client.post(adjust_url(customer), form(**changes), headers=HTMX)
    assert response.status_code == 200  # htmx 2 swaps only 2xx
    html = response.content.decode()
    assert "field-error" in html and message in html
    assert "Confirm" not in html
    assert not LedgerEntry.objects.exists() and not Wallet.objects.exists()


def test_debit_above_the_balance_is_refused_at_review(owner_client, customer):
    credit(customer, 1000)
    html = owner_client.post(
        adjust_url(customer), form(direction="debit", amount="10.01"), headers=HTMX
    ).content.decode()
    assert "The USD wallet holds $10.00; a debit can be at most that." in html
    assert LedgerEntry.objects.count() == 1


def test_balance_spent_between_review_and_confirm_is_a_clear_error(owner_client, customer):
    credit(customer, 1000)
    review = owner_client.post(
        adjust_url(customer), form(direction="debit", amount="10"), headers=HTMX
    )
    confirmed = review.context["wallet_tab"]["form"]
    debit(customer, 500)  # a renewal spends half meanwhile
    data = {name: confirmed[name].value() for name in confirmed.fields}
    html = owner_client.post(adjust_url(customer), data, headers=HTMX).content.decode()
    assert "The USD wallet holds $5.00; a debit can be at most that." in html
    assert 'value="10"' in html  # back on the form, as typed
    assert selectors.balance(customer, "USD") == 500


def test_without_htmx_success_redirects_to_the_tab(owner_client, customer):
    review = owner_client.post(adjust_url(customer), form())
    assert review.status_code == 200 and "<html" in review.content.decode()
    confirmed = review.context["wallet_tab"]["form"]
    data = {name: confirmed[name].value() for name in confirmed.fields}
    response = owner_client.post(adjust_url(customer), data)
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(customer)}?tab=wallet"
    page = owner_client.get(response["Location"]).content.decode()
    assert "Credited $12.50" in page


def test_viewer_sees_no_form_and_cannot_post(viewer_client, customer):
    html = get_tab(viewer_client, customer, headers=HTMX).content.decode()
    assert "Credit / Debit" not in html
    response = viewer_client.post(adjust_url(customer), {**form(), "confirmed": "True"})
    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()


def test_admin_can_post(client, business, customer):
    admin = MembershipFactory(business=business, role="admin").user
    client.force_login(admin)
    confirm(client, customer)
    assert selectors.balance(customer, "USD") == 1250


def test_another_business_customer_is_a_404(owner_client, other_business):
    stranger = CustomerFactory(business=other_business)
    credit(stranger, 100)
    assert get_tab(owner_client, stranger, headers=HTMX).status_code == 404
    assert owner_client.post(adjust_url(stranger), form(), headers=HTMX).status_code == 404
    assert selectors.balance(stranger, "USD") == 100


def test_anonymous_is_sent_to_login(client, customer):
    response = client.post(adjust_url(customer), form())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not LedgerEntry.objects.exists()


def test_get_on_adjust_is_not_allowed(owner_client, customer):
    assert owner_client.get(adjust_url(customer)).status_code == 405


def test_customer_table_filters_by_wallet_balance(owner_client, business):
    rich = CustomerFactory(business=business, name="Has Money")
    spent = CustomerFactory(business=business, name="Spent It")
    CustomerFactory(business=business, name="Never Had")
    credit(rich, 100)
    credit(spent, 100)
    debit(spent, 100)
    url = reverse("customers:list")

    def names(value):
        response = owner_client.get(url, {"has_wallet_balance": value})
        return sorted(row.record.name for row in response.context["table"].paginated_rows)

    assert names("true") == ["Has Money"]
    assert names("false") == ["Never Had", "Spent It"]
    assert len(names("")) == 3


def test_without_htmx_an_error_renders_the_full_page(owner_client, customer):
    response = owner_client.post(adjust_url(customer), form(reason=""))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Enter a reason for this adjustment." in html
    assert not LedgerEntry.objects.exists()


def test_the_empty_credit_debit_form_is_kept_per_currency_and_a_filled_one_is_not(
    owner_client, customer
):
    # An empty form reads the same for every customer and is kept per currency
    # (wallet_tab_context's form_key); a form sent back with an error is drawn anew.
    for currency in ("INR", "USD", "INR"):
        html = get_tab(owner_client, customer, {"currency": currency}).content.decode()
        assert f'<option value="{currency}" selected>' in html
    bad = owner_client.post(adjust_url(customer), form(amount="-3"), headers=HTMX)
    assert 'value="-3"' in bad.content.decode() and "field-error" in bad.content.decode()
    again = get_tab(owner_client, customer, {"currency": "USD"}).content.decode()
    assert 'value="-3"' not in again and "field-error" not in again
