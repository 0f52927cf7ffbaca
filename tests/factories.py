import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from customers.models import Business, Customer, Membership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.django.Password("correct-horse-battery")


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Business {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    business = factory.SubFactory(BusinessFactory)
    role = Membership.Role.OWNER


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    business = factory.SubFactory(BusinessFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone_number = "+14155550134"
    created_at = factory.Sequence(lambda n: timezone.now() - dt.timedelta(minutes=n))


# Billing and license keys (customers.models.billing / .licenses).
class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Product"

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    price = 2500
    currency = "USD"
    is_recurring = False
    license_key_enabled = True

    class Params:
        recurring = factory.Trait(
            is_recurring=True, payment_frequency_interval="Month", name="Pro plan"
        )


class CustomerRowFactory(factory.django.DjangoModelFactory):
    """A row of one customer's: its business is the customer's, and so is its product's."""

    class Meta:
        abstract = True

    customer = factory.SubFactory(CustomerFactory)
    business = factory.SelfAttribute("customer.business")
    product = factory.SubFactory(
        ProductFactory, business=factory.SelfAttribute("..customer.business")
    )


class PaymentFactory(CustomerRowFactory):
    """A succeeded one-time card payment of $25.00 made just now."""

    class Meta:
        model = "customers.Payment"

    status = "succeeded"
    total_amount = 2500
    tax = 0
    currency = "USD"
    payment_method = "card"
    payment_method_type = "visa"
    card_network = "visa"
    card_last_four = "4242"
    created_at = factory.LazyFunction(timezone.now)


class RefundFactory(factory.django.DjangoModelFactory):
    """A succeeded $1.00 refund of a payment (of a new $25.00 one unless given)."""

    class Meta:
        model = "customers.Refund"

    payment = factory.SubFactory(PaymentFactory)
    business = factory.SelfAttribute("payment.business")
    customer = factory.SelfAttribute("payment.customer")
    amount = 100
    currency = factory.SelfAttribute("payment.currency")
    status = "succeeded"


class SubscriptionFactory(CustomerRowFactory):
    """An active monthly $10.00 subscription in the middle of its period."""

    class Meta:
        model = "customers.Subscription"

    product = factory.SubFactory(
        ProductFactory, business=factory.SelfAttribute("..customer.business"), recurring=True
    )
    status = "active"
    recurring_pre_tax_amount = 1000
    currency = "USD"
    payment_frequency_interval = "Month"
    previous_billing_date = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    next_billing_date = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=20))


class LicenseKeyFactory(CustomerRowFactory):
    class Meta:
        model = "customers.LicenseKey"

    key = factory.Faker("uuid4")
    activations_limit = 3


class LicenseKeyInstanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.LicenseKeyInstance"

    license_key = factory.SubFactory(LicenseKeyFactory)
    business = factory.SelfAttribute("license_key.business")
    name = factory.Sequence(lambda n: f"laptop-{n}")
