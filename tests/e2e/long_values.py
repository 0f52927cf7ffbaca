"""Long values a real merchant ends up with (issue 15, items 5–7): a 3,000-character
refund reason, a long customer name and metadata key, a long ledger reason and a
long API key name. The overflow test seeds them; so can a person taking screenshots
of a demo database (`seed_long_values(business, user)`)."""

from urllib.parse import urlsplit

from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from customers.billing import refunds
from customers.models import Payment, Product
from customers.services import customer_create
from portal.services import portal_session_create
from wallets.services import ledger_post

LONG_NAME = "Maximiliana Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh " * 2
LONG_KEY = "note_about_the_customer_without_spaces"  # 38 of the 40 characters allowed
LONG_WORD = "Supercalifragilisticexpialidocious" * 6
LONG_REASON = ("The parcel arrived late and damaged. " * 90)[:3000]


def seed_long_values(business, user) -> dict:
    """Rows with long values in `business`; returns the paths worth looking at."""
    actor = Actor.user(user)
    customer = customer_create(
        business=business,
        actor=actor,
        name=LONG_NAME.strip()[:200],
        email="maximiliana.wolfeschlegelsteinhausenbergerdorff@example-long-domain.test",
        metadata={LONG_KEY: LONG_WORD[:500], "note": "VIP"},
    )
    product = Product.objects.create(
        business=business,
        name="Enterprise plan with a rather long product name",
        price=2500,
        currency="USD",
    )
    payment = Payment.objects.create(
        business=business,
        customer=customer,
        product=product,
        status=Payment.Status.SUCCEEDED,
        total_amount=2500,
        currency="USD",
        payment_method="card",
        card_network="visa",
        card_last_four="4242",
    )
    refunds.refund_create(payment=payment, amount=500, reason=LONG_REASON, actor=actor)
    ledger_post(
        business=business,
        customer=customer,
        currency="USD",
        amount=1250,
        direction="credit",
        event_type="merchant_adjustment",
        reason=LONG_WORD,
        actor=actor,
    )
    api_key_create(business=business, name=LONG_WORD[:100], actor=actor, created_by=user)
    _link, portal_url = portal_session_create(customer=customer, actor=Actor.system())
    base = f"/customers/{customer.pk}/"
    return {
        "customer": customer,
        "dashboard": [
            "/",
            "/?period=custom&start=2024-01-01&end=2026-01-31",
            "/customers/",
            "/customers/?q=Maximiliana",
            "/customers/report/",
            "/customers/new/",
            base,
            f"{base}?tab=transactions",
            f"{base}?tab=subscriptions",
            f"{base}?tab=wallet",
            f"{base}?tab=license-keys",
            f"{base}edit/",
            f"{base}payments/{payment.pk}/",
            f"{base}payments/{payment.pk}/refund/",
            "/settings/api-keys/",
            "/settings/portal/",
        ],
        "portal_link": urlsplit(portal_url).path,
        "portal": [
            "/portal/",
            "/portal/billing/",
            "/portal/subscriptions/",
            "/portal/license-keys/",
            "/portal/wallet/",
            "/portal/profile/",
        ],
    }
