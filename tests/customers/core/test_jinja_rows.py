"""The long lists' rows drawn by Jinja2 (customers/core/jinja.py, `{% fragment %}`):
the wallet ledger, the payments tab and the portal's billing history read as they
did, in the page's language, and print what a customer or a member typed escaped."""

from urllib.parse import urlsplit

import pytest
from django.template import Context, Template
from django.utils import translation

from customers.audit import Actor
from customers.core.formatting import choice_label, long_text
from customers.models import Payment, Refund
from portal import services as portal_services
from tests.factories import PaymentFactory, RefundFactory
from wallets.models import LedgerEntry
from wallets.services import ledger_post

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.mark.parametrize(
    ("model", "name"),
    [(LedgerEntry, "event_type"), (LedgerEntry, "direction"), (Payment, "pricing_type"),
     (Refund, "status"), (Refund, "destination")],
)  # fmt: skip
@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_choice_label_is_the_models_own_display(model, name, language):
    field = model._meta.get_field(name)
    with translation.override(language):
        for value, _label in field.flatchoices:
            row = model(**{field.attname: value})
            assert choice_label(row, name) == getattr(row, f"get_{name}_display")()
        row = model(**{field.attname: "not-a-choice"})  # an old value is shown as it is
        assert choice_label(row, name) == "not-a-choice" == getattr(row, f"get_{name}_display")()


def test_a_choice_label_follows_the_language_of_each_call():
    entry = LedgerEntry(event_type="refund")
    with translation.override("en"):
        english = choice_label(entry, "event_type")
    with translation.override("ko"):
        korean = choice_label(entry, "event_type")
    assert english == "Refund" and korean != english and korean


def test_long_text_reads_as_the_template_it_replaces():
    assert long_text("") == long_text(None) == "—"
    assert long_text("Goodwill") == '<span class="long-text">Goodwill</span>'
    assert (
        long_text(HOSTILE)
        == f'<span class="long-text">{"&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"}</span>'
    )
    text = "x" * 161
    shown = long_text(text)
    assert shown.startswith('<details class="long-reason"><summary><span class="clamp long-text">')
    assert shown.count(text) == 2 and '<span class="more">Show all</span>' in shown
    assert long_text("é" * 160).startswith('<span class="long-text">')  # 160 characters: short
    with translation.override("ko"):
        assert "Show all" not in long_text(text)
    # The filter in a Django template gives the same.
    rendered = Template("{% load hub %}{{ t|long_text }}").render(Context({"t": HOSTILE}))
    assert rendered == long_text(HOSTILE)


def test_the_wallet_ledger_rows_show_each_entry_escaped(owner_client, business, customer):
    ledger_post(
        business=business, customer=customer, currency="USD", amount=1250,
        direction="credit", event_type="merchant_adjustment", reason=HOSTILE,
        actor=Actor.system("test"),
    )  # fmt: skip
    ledger_post(
        business=business, customer=customer, currency="USD", amount=250,
        direction="debit", event_type="merchant_adjustment", reason="r" * 200,
        reference_id="pay_123", actor=Actor.system("test"),
    )  # fmt: skip
    html = owner_client.get(f"/customers/{customer.pk}/?tab=wallet").content.decode()
    assert HOSTILE not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert '<td class="num money-cell is-credit">+$12.50</td>' in html
    assert '<td class="num money-cell is-debit">−$2.50</td>' in html
    assert '$12.50 → <span class="balance-after">$10.00</span>' in html
    assert "Merchant adjustment" in html and '<span class="more">Show all</span>' in html
    assert "<code>pay_123</code>" in html
    html = owner_client.get(
        f"/customers/{customer.pk}/?tab=wallet", HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "Merchant adjustment" not in html and "+US$12.50" in html


def test_the_payments_tab_rows_link_each_payment_and_translate(owner_client, customer):
    payment = PaymentFactory(customer=customer, total_amount=4000, pricing_type="subscription")
    RefundFactory(payment=payment, amount=1500)
    html = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    detail = f"/customers/{customer.pk}/payments/{payment.pk}/"
    assert f'<a href="{detail}"><code>' in html and f'data-copy="{payment.pk}"' in html
    assert "−$15.00 refunded" in html and "Partially refunded" in html
    assert "<td>Subscription</td>" in html and "<td>Visa ···· 4242</td>" in html
    assert f'href="{detail}invoice.pdf" download>Download invoice</a>' in html
    assert f'href="/customers/{customer.pk}/payments/{payment.pk}/refund/?next=tab"' in html
    html = owner_client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="ko")
    html = html.content.decode()
    assert "Download invoice" not in html and "Partially refunded" not in html
    assert "US$15.00" in html


def test_a_viewer_sees_no_refund_button_in_the_payments_tab(viewer_client, customer):
    payment = PaymentFactory(customer=customer)
    html = viewer_client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"payments/{payment.pk}/refund/" not in html
    assert f'data-payment="{payment.pk}"' in html


def test_the_portal_billing_rows_show_payments_and_their_refunds(client, customer):
    payment = PaymentFactory(customer=customer, total_amount=4000)
    RefundFactory(payment=payment, amount=1500, destination="wallet")
    _link, url = portal_services.portal_session_create(customer=customer, actor=Actor.system())
    client.get(urlsplit(url).path)
    html = client.get("/portal/billing/").content.decode()
    assert f"/portal/billing/{payment.pk}/invoice.pdf" in html and "Download invoice" in html
    assert "↳ Refund" in html and "to your wallet" in html and "−$15.00" in html


def test_a_billing_page_shows_only_its_own_payments_refunds_oldest_first(customer):
    import datetime as dt

    from portal.selectors import with_refunds

    at = lambda h: dt.datetime(2026, 3, 1, h, tzinfo=dt.UTC)  # noqa: E731
    first, between, last = (
        PaymentFactory(customer=customer, created_at=at(h)) for h in (9, 10, 11)
    )
    later = RefundFactory(payment=last, amount=100, created_at=at(14))
    earlier = RefundFactory(payment=last, amount=200, created_at=at(12))
    RefundFactory(payment=between, amount=300)  # its payment is not on the page
    RefundFactory(payment=PaymentFactory(created_at=at(10)), amount=400)  # another customer's
    assert with_refunds([last, first]) == [last, first]
    assert [r.pk for r in last.page_refunds] == [earlier.pk, later.pk]
    assert first.page_refunds == []
    assert with_refunds([]) == []
