"""The customer commands: create_merchant and seed_demo's customers."""

import pytest
from django.core.management import CommandError, call_command

from customers.models import Business, Customer, Membership

pytestmark = pytest.mark.django_db


def test_create_merchant_then_again(capsys):
    call_command("create_merchant", business="Acme", email="o@acme.test", password="pw-123456789")
    call_command("create_merchant", business="Acme", email="o@acme.test", password="pw-123456789")
    out = capsys.readouterr().out
    assert "Created Acme" in out and "Already set up" in out
    assert Membership.objects.get().role == "owner"


def test_seed_demo_adds_varied_customers(capsys):
    call_command("seed_demo", business="Demo", customers=200, seed=7)
    business = Business.objects.get(name="Demo")
    customers = Customer.objects.for_business(business)
    assert customers.count() == 200
    assert customers.filter(phone_number="").exists()
    assert customers.exclude(phone_number="").exists()
    assert customers.filter(name__regex=r"[가-힣]").exists()
    assert customers.filter(phone_number__startswith="+91").exists()
    emails = list(customers.values_list("email", flat=True))
    assert len(set(e.lower() for e in emails)) == 200
    call_command("seed_demo", business="Demo", customers=50, if_empty=True)
    assert customers.count() == 200
    call_command("seed_demo", business="Demo", customers=50)
    assert customers.count() == 250
    # Small seeds add no neighbour businesses unless asked.
    assert Business.objects.count() == 1


def test_seed_demo_refuses_negative_neighbours():
    with pytest.raises(CommandError, match="--neighbours"):
        call_command("seed_demo", business="Demo", customers=10, neighbours=-1)
