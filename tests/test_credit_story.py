"""Credit-based billing, the whole story, end to end (issue 17's "done when").

Each actor goes through their own door and we check what they would notice:

1. the merchant, in the Korean dashboard, makes an API key, registers a webhook
   endpoint, defines "API calls" in Settings → Credits (expiry, rollover, a low-balance
   alert) and attaches it to a one-time product, the credit pack;
2. the merchant's code (the official `dodopayments` client against a live server)
   signs the customer up and sends a portal link; the customer, in English, saves a
   card, buys the pack through the confirm step (built-in gateway) and sees the
   credits and their expiry date;
3. the merchant's code spends the credits; the second debit crosses the alert: a
   signed `credit.balance_low` webhook arrives and the customer is e-mailed;
4. time passes (the `credits_expire` job with `--now`): a reminder 7 days before the
   expiry, then the grant closes, its allowed share rolled into a new grant and the
   rest forfeited, with their webhooks; the customer sees what is left;
5. `verify_ledgers` finds no violation, in credits or wallets.

The clock is fixed (time-machine, ticking from NOW) so every date on a page is known.
Not through a user entry point: the pack itself — the catalog of products comes from
the payment platform and has no page here, so it is made with the factory.
"""

import datetime as dt
import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from dodopayments import DodoPayments
from standardwebhooks import Webhook

from customers.models import EmailLog, WebhookDelivery
from tests.customers.webhooks.receiver import start_receiver
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # the pack is bought; it expires 1 April
REMINDER_RUN = dt.datetime(2026, 3, 25, 12, 0, tzinfo=dt.UTC)  # within 7 days of the expiry
EXPIRY_RUN = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)  # just past it
CREDIT_EVENTS = [
    "credit.added",
    "credit.deducted",
    "credit.balance_low",
    "credit.rolled_over",
    "credit.rollover_forfeited",
    "credit.expired",
]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def receiver(settings):
    """The merchant's webhook handler: a local HTTP server (no network beyond it)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_a_credit_pack_from_definition_to_rollover(
    clock, live_server, client, business, owner, receiver
):
    # 1. The merchant, in Korean: an API key, a webhook endpoint, the credit, the pack.
    merchant = client
    merchant.force_login(owner)
    merchant.cookies["django_language"] = "ko"
    api_key = new_api_key(merchant)
    endpoint_page, secret = new_webhook_endpoint(merchant, receiver.url, CREDIT_EVENTS)
    pack = ProductFactory(
        business=business,
        name="1,000 API calls",
        price=1900,
        license_key_enabled=False,
    )
    page = send(
        merchant,
        reverse("credit_settings"),
        {
            "name": "API calls",
            "unit": "calls",
            "precision": "0",
            "expiry": "30",
            "rollover_enabled": "on",
            "rollover_percentage": "25",
            "rollover_timeframe_count": "1",
            "rollover_timeframe_interval": "Month",
            "max_rollover_count": "1",
            "overage_behavior": "forgive_at_reset",
            "low_balance_thresholds": "100",
        },
    )
    assert "크레딧 “API calls”을(를) 만들었습니다." in page  # "Credit “API calls” created."
    assert "남은 크레딧 이월" in page  # "Roll over unused credits", on its edit form
    calls = re.search(r"<code>(cde_\w+)</code>", page).group(1)  # the ID the shop's code uses
    page = send(
        merchant,
        reverse("credit_settings_product", args=[calls]),
        {"product": pack.pk, "amount": "1000"},
    )
    assert "이제 1,000 API calls 구매 시 이 크레딧이 지급됩니다." in page
    attached = section(page, "credit-products")
    assert "이 크레딧을 지급하는 상품" in attached  # "Products that grant it"
    assert "1,000 calls" in attached and "구매마다" in attached  # "per purchase"
    listing = merchant.get(reverse("credit_settings")).content.decode()
    assert "API calls" in listing and calls in listing

    # 2. The merchant's code signs Ada up and sends her a portal link; she buys the pack.
    shop = DodoPayments(bearer_token=api_key, base_url=f"{live_server.url}/api", max_retries=0)
    ada = shop.customers.create(name="Ada Lovelace", email="ada@example.com")
    link = shop.customers.customer_portal.create(ada.customer_id).link
    portal = Client()
    assert portal.get(urlsplit(link).path).status_code == 302
    credits = portal.get(reverse("portal:credits")).content.decode()
    assert "You have no credits yet." in credits
    assert "1,000 API calls" in credits and "$19.00" in credits and "+1,000 calls" in credits
    buy = reverse("portal:pack_buy", args=[pack.pk])
    away = portal.get(buy)  # no saved card yet: add one, then come back
    assert away.url == f"{reverse('portal:payment_methods')}?next={buy}"
    back = portal.post(
        away.url,
        {
            "kind": "card",
            "card_number": "4242 4242 4242 4242",
            "expiry_month": "11",
            "expiry_year": "2030",
            "holder_name": "Ada Lovelace",
        },
    )
    assert back.url == buy
    confirm = portal.get(buy).content.decode()
    assert "1,000 calls expire on 1 April 2026" in confirm
    assert "Visa ···· 4242" in confirm and "Pay $19.00" in confirm
    card = re.search(r'<option value="([^"]+)"[^>]*>Visa ···· 4242', confirm).group(1)
    done = portal.post(buy, {"token": form_token(confirm), "payment_method": card}, follow=True)
    result = done.content.decode()
    assert "Payment received" in result and "$19.00 was charged to Visa ···· 4242." in result
    credits = portal.get(reverse("portal:credits")).content.decode()
    assert "1,000 calls expire on 1 April 2026" in credits and "Credits added" in credits

    # 3. The merchant's code spends: 600 calls, then 320 — under the 100-call alert.
    balances = shop.credit_entitlements.balances
    usage = {"credit_entitlement_id": calls, "entry_type": "debit", "reason": "usage"}
    first = balances.create_ledger_entry(
        ada.customer_id, amount="600", idempotency_key="usage-2026-03-02", **usage
    )
    assert (first.balance_before, first.balance_after) == ("1000", "400")
    assert receiver.of_type("credit.balance_low") == []
    second = balances.create_ledger_entry(
        ada.customer_id, amount="320", idempotency_key="usage-2026-03-03", **usage
    )
    assert second.balance_after == "80"
    (alert,) = signed(receiver, secret, "credit.balance_low")
    assert (alert["threshold_amount"], alert["available_balance"]) == ("100", "80")
    assert alert["customer_id"] == ada.customer_id
    low = EmailLog.objects.get(email_type="credit_balance_low")
    assert (low.recipient, low.status) == ("ada@example.com", "sent")
    assert "80 calls" in low.body
    assert [m.subject for m in mail.outbox if m.to == ["ada@example.com"]] == [
        "Payment received by Acme Corp",  # the pack's receipt
        "Your API calls balance is low",
    ]
    assert "credit.balance_low" in merchant.get(endpoint_page).content.decode()  # its log

    # 4. Time passes. A week before the expiry, a reminder; then the grant closes.
    clock.move_to(REMINDER_RUN)
    call_command("credits_expire", now=REMINDER_RUN.isoformat(), stdout=StringIO())
    reminder = EmailLog.objects.get(email_type="credit_expiring")
    assert (reminder.recipient, reminder.status) == ("ada@example.com", "sent")
    assert reminder.subject == mail.outbox[-1].subject == "80 calls expire on April 1, 2026"
    clock.move_to(EXPIRY_RUN)
    out = StringIO()
    call_command("credits_expire", now=EXPIRY_RUN.isoformat(), stdout=out)
    assert out.getvalue().startswith("1 grants closed")
    (rolled,) = signed(receiver, secret, "credit.rolled_over")
    (forfeited,) = signed(receiver, secret, "credit.rollover_forfeited")
    assert (rolled["amount"], forfeited["amount"]) == ("20", "60")  # 25% of 80 rolls over
    assert receiver.of_type("credit.expired") == []  # forfeited by the rollover rule instead
    grants = balances.list_grants(ada.customer_id, credit_entitlement_id=calls).items
    by_source = {g.source_type: g for g in grants}
    assert by_source["one_time"].remaining_amount == "0"
    assert by_source["rollover"].initial_amount == "20"
    # A month after the pack's credits expired (not after the job ran, half an hour on).
    pack_expiry = by_source["one_time"].expires_at
    assert pack_expiry.date() == dt.date(2026, 4, 1) and pack_expiry < EXPIRY_RUN
    assert by_source["rollover"].expires_at == pack_expiry.replace(month=5)
    assert balances.retrieve(ada.customer_id, credit_entitlement_id=calls).balance == "20"
    signed_out = portal.get(reverse("portal:credits"))  # a month on, her session has ended
    assert signed_out.url == reverse("portal:login", args=[business.pk])
    sign_in_by_email(portal, signed_out.url, "ada@example.com")
    credits = portal.get(reverse("portal:credits")).content.decode()
    assert "20 calls expire on 1 May 2026" in credits
    assert "1,000 calls expire" not in credits
    assert "Credits rolled over" in credits and "Rollover forfeited" in credits and "−60" in credits
    assert not WebhookDelivery.objects.exclude(status="succeeded").exists()

    # 5. Every ledger adds up: credits and wallets.
    report = StringIO()
    call_command("verify_ledgers", stdout=report)
    lines = report.getvalue().splitlines()
    assert "1 credit balances and 6 credit ledger entries" in lines[0]
    assert lines[-1] == "No violations." and not any("FAIL" in line for line in lines)
    passed = {m.group(1) for line in lines if (m := re.match(r"\s+ok\s+(\w+):", line))}
    assert {"balance_matches_entries", "chain_is_continuous"} <= passed  # wallets
    assert {"credit_balance_matches_grants", "credit_grant_matches_allocations"} <= passed


# --- helpers: what a person types and reads ----------------------------------------


def send(client, url, data) -> str:
    """Post a dashboard form and read the page it lands on."""
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</div>\n", start)]


def form_token(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def new_api_key(merchant) -> str:
    """Settings → API keys: a key with write access, shown once."""
    page = send(merchant, reverse("api_keys"), {"name": "Billing worker", "write_access": "on"})
    return re.search(r'<code id="new-api-key">([^<]+)</code>', page).group(1)


def new_webhook_endpoint(merchant, url: str, types: list[str]) -> tuple[str, str]:
    """Settings → Webhooks: an endpoint for the credit events; its page and the signing
    secret revealed there."""
    added = merchant.post(reverse("webhook_list"), {"url": url, "filter_types": types})
    endpoint_id = added.url.rstrip("/").rsplit("/", 1)[1]
    revealed = merchant.post(reverse("webhook_secret", args=[endpoint_id])).content.decode()
    return added.url, re.search(r"whsec_[A-Za-z0-9+/=]+", revealed).group(0)


def sign_in_by_email(portal, login_page: str, email: str) -> None:
    """The portal's login page: the e-mail in, a sign-in link out, one click on it."""
    portal.post(login_page, {"email": email})
    body = mail.outbox[-1].body
    link = "/portal/" + body.split("/portal/", 1)[1].split()[0]
    assert portal.post(link).status_code == 302


def signed(receiver, secret: str, webhook_type: str) -> list[dict]:
    """The `data` of each webhook of this type received, its signature checked."""
    check = Webhook(secret)
    return [check.verify(r.body, r.headers)["data"] for r in receiver.of_type(webhook_type)]
