"""Long values a real merchant ends up with (issue 15, items 5–7): a 3,000-character
refund reason, a long customer name and metadata key, a long ledger reason and a
long API key name. The overflow test seeds them; so can a person taking screenshots
of a demo database (`seed_long_values(business, user)`)."""

import datetime as dt
from urllib.parse import urlsplit

from django.utils import timezone

from customers.accounts.api_keys import api_key_create
from customers.accounts.business import business_profile_update
from customers.accounts.team import invitation_create
from customers.audit import Actor
from customers.billing import refunds
from customers.billing.gateway import BuiltinGateway
from customers.billing.payment_methods import payment_method_add
from customers.billing.subscription_changes import subscription_pause, subscription_resume
from customers.billing.subscriptions import subscription_renew
from customers.emails.services import email_queue
from customers.models import BulkJob, Payment, Product, Subscription
from customers.notes.services import customer_tags_add, note_create, tag_create
from customers.services import customer_create
from portal.models import PortalSettings
from portal.services import portal_session_create
from tests.factories import MembershipFactory, UserFactory
from wallets.credits.entitlements import entitlement_create
from wallets.credits.services import credit_grant
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
        business_name=LONG_NAME.strip()[:200],
        tax_id="GB" + "9" * 48,
        billing_street=LONG_WORD[:255],
        billing_city=LONG_WORD[:100],
        billing_country="GB",
    )
    business_profile_update(
        business=business,
        actor=actor,
        legal_name=LONG_NAME.strip()[:200],
        address_line1=LONG_WORD[:200],
        tax_id="KR" + "1" * 48,
        support_email="support-team-for-customers@example-long-domain.test",
    )
    long_email = "maximiliana.wolfeschlegelsteinhausenbergerdorff@example-long-domain.test"
    MembershipFactory(business=business, role="viewer", user=UserFactory(username=long_email))
    invitation_create(business=business, email="x" + long_email, role="admin", actor=actor)
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
    credits = entitlement_create(
        business=business, actor=actor, name=LONG_WORD[:255], unit=LONG_WORD[:100], precision=0
    )
    credit_grant(
        business=business,
        entitlement=credits,
        customer=customer,
        amount=123_456_789_000,
        actor=actor,
        reason=LONG_WORD,
    )
    sub = _long_subscription(business, customer, actor)
    subscription = _in_dunning(customer, product)
    _link, portal_url = portal_session_create(customer=customer, actor=Actor.system())
    for name, color in (("Wholesale partner (EU)", "teal"), (LONG_WORD[:40], "purple")):
        tag = tag_create(business=business, actor=actor, name=name, color=color)
        customer_tags_add(tag=tag, customer_ids=[customer.pk], actor=actor)
    note = note_create(customer=customer, author=user, body=LONG_WORD + " " + LONG_REASON[:2000])
    job = BulkJob.objects.create(
        business=business, requested_by=user, action="tag_add", tag=tag, total=1200, done=450
    )
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
            f"{base}?tab=credits",
            f"/settings/credits/{credits.pk}/",
            "/settings/credits/",
            f"{base}edit/",
            f"{base}delete/",
            f"{base}merge/",
            "/customers/imports/",
            f"{base}payments/{payment.pk}/",
            f"{base}payments/{payment.pk}/refund/",
            "/settings/api-keys/",
            "/settings/portal/",
            "/settings/team/",
            "/settings/business/",
            "/settings/tags/",
            "/customers/?columns=name,email,tags,invite",
            f"{base}notes/{note.pk}/",
            f"/customers/bulk/{job.pk}/",
            "/customers/search/?q=pay_0000000000000000000000000",
            f"{base}?tab=emails",
            f"{base}subscriptions/{sub.pk}/change-plan/",
            "/settings/emails/",
            "/customers/recovery/",
        ],
        "portal_link": urlsplit(portal_url).path,
        "portal": [
            "/portal/",
            "/portal/billing/",
            "/portal/subscriptions/",
            "/portal/license-keys/",
            "/portal/wallet/",
            "/portal/credits/",
            "/portal/profile/",
            f"/portal/subscriptions/{sub.pk}/",
            f"/portal/subscriptions/{sub.pk}/change-plan/",
            "/portal/payment-methods/",
            f"/portal/subscriptions/{subscription.pk}/payment-method/",
        ],
    }


def _long_subscription(business, customer, actor):
    """A subscription on a long-named plan, another plan to switch to (offered in the
    portal, with pausing), and an e-mail with a long subject in the customer's log."""
    plans = [
        Product.objects.create(
            business=business,
            name=f"{LONG_WORD[:60]} {tier}",
            price=price,
            currency="USD",
            is_recurring=True,
            payment_frequency_interval="Month",
        )
        for tier, price in (("Starter", 1000), ("Team", 4000))
    ]
    now = timezone.now()
    sub = Subscription.objects.create(
        business=business,
        customer=customer,
        product=plans[0],
        status="active",
        recurring_pre_tax_amount=1000,
        currency="USD",
        payment_frequency_interval="Month",
        previous_billing_date=now - dt.timedelta(days=10),
        next_billing_date=now + dt.timedelta(days=20),
    )
    portal = PortalSettings.for_business(business)
    portal.allow_pause = portal.allow_plan_change = True
    portal.save()
    portal.plan_change_products.set([plans[1]])
    subscription_pause(subscription=sub, actor=actor)  # queues an e-mail
    subscription_resume(subscription=sub, actor=actor)
    email_queue(
        business=business,
        customer_id=customer.pk,
        to=customer.email,
        subject=LONG_WORD,
        body=LONG_REASON,
        category="payments",
        email_type="payment_succeeded",
    )
    return sub
