"""Credit packs, saved cards and purchases for the purchase tests (through the services)."""

from django.utils import timezone

from customers.audit import Actor
from customers.billing import payment_methods
from customers.billing.gateway import BuiltinGateway
from tests.factories import ProductFactory
from tests.wallets.credits.helpers import entitlement
from wallets.credits.entitlements import product_credits_set

ACTOR = Actor.system("tests")
GOOD_CARD = "4242 4242 4242 4242"
POOR_CARD = "4000 0000 0000 9995"  # insufficient funds when charged


def card(customer, number=GOOD_CARD, **kwargs):
    return payment_methods.payment_method_add(
        customer=customer,
        gateway=BuiltinGateway(),
        actor=ACTOR,
        card_number=number,
        expiry_month=12,
        expiry_year=timezone.now().year + 2,
        holder_name="Ada Lovelace",
        **kwargs,
    )


def pack(business, *, credits=1000, price=1900, ent=None, name="1,000 API calls", **fields):
    """A one-time product granting `credits` whole credits of `ent` (made if None)."""
    ent = ent or entitlement(business)
    product = ProductFactory(
        business=business, name=name, price=price, license_key_enabled=False, **fields
    )
    product_credits_set(product=product, entitlement=ent, amount=credits * 1000, actor=ACTOR)
    return product, ent
