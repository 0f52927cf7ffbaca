"""Long values a real merchant ends up with (issue 15, items 5–7): a 3,000-character
refund reason, a long customer name and metadata key, a long ledger reason and a
long API key name. The overflow test seeds them; so can a person taking screenshots
of a demo database (`seed_long_values(business, user)`)."""

import datetime as dt
from urllib.parse import urlsplit

from django.utils import timezone

from customers.accounts.api_keys import api_key_create
from customers.audit import Actor
from customers.billing import refunds
from customers.billing.gateway import BuiltinGateway
from customers.billing.payment_methods import payment_method_add
from customers.billing.subscriptions import subscription_renew
from customers.models import Payment, Product, Subscription
from customers.services import customer_create
from portal.services import portal_session_create
from wallets.services import ledger_post

LONG_NAME = "Maximiliana Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh " * 2
LONG_KEY = "note_about_the_customer_without_spaces"  # 38 of the 40 characters allowed
LONG_WORD = "Supercalifragilisticexpialidocious" * 6
LONG_REASON = ("The parcel arrived late and damaged. " * 90)[:3000]


def _in_dunning(customer, product):
    """A subscription of `customer` whose renewal the test gateway declined, charged to
    a saved card with a long holder name: the payment-method and recovery pages."""
    now = timezone.now()
    sub = Subscription.objects.create(
        business=customer.business,
        customer=customer,
        product=product,
        status=Subscription.Status.ACTIVE,
        recurring_pre_tax_amount=2500,
        currency="USD",
        payment_frequency_interval="Month",
        previous_billing_date=now - dt.timedelta(days=31),
        next_billing_date=now - dt.timedelta(hours=1),
    )
    payment_method_add(
        customer=customer,
        gateway=BuiltinGateway(),
        actor=Actor.system(),
        card_number="4000000000009995",
        expiry_month=12,
        expiry_year=now.year + 2,
        holder_name=LONG_NAME.strip()[:100],
    )
    subscription_renew(subscription=sub, now=now, gateway=BuiltinGateway(), actor=Actor.system())
    return sub


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
    subscription = _in_dunning(customer, product)
    _link, portal_url = portal_session_create(customer=customer, actor=Actor.system())
    base = f"/customers/{customer.pk}/"
    return {
        "customer": customer,
        "dashboard": [
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
            "/customers/recovery/",
        ],
        "portal_link": urlsplit(portal_url).path,
        "portal": [
            "/portal/",
            "/portal/billing/",
            "/portal/subscriptions/",
            "/portal/license-keys/",
            "/portal/wallet/",
            "/portal/profile/",
            "/portal/payment-methods/",
            f"/portal/subscriptions/{subscription.pk}/payment-method/",
        ],
    }
