"""A large seed builds its secondary indexes after the load (PostgreSQL): every index is
back, as defined, afterwards; a load that fails leaves them untouched; a small load
into a large table keeps its indexes up to date instead."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from customers.core.bulk import indexes_deferred
from customers.management.commands import seed_demo
from customers.models import Business, Customer, Payment
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _indexes(*tables: str) -> set[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [list(tables)]
        )
        return set(cur.fetchall())


def test_a_large_seed_builds_every_index_again_as_it_was(monkeypatch, capsys):
    tables = [model._meta.db_table for model in seed_demo.DEFERRED]
    before = _indexes(*tables)
    assert any("gin_trgm_ops" in definition for _name, definition in before)
    # Deferred whatever the planner's estimate of the table says (ANALYZE's row
    # estimates outlive the other tests' rolled-back transactions).
    monkeypatch.setattr(seed_demo, "_defer_indexes", lambda count: True)
    call_command("seed_demo", business="Big", customers=120, seed=4)
    assert "indexes after the load" in capsys.readouterr().err
    assert _indexes(*tables) == before
    business = Business.objects.get(name="Big")
    assert Customer.objects.for_business(business).count() == 120
    # The rebuilt trigram index answers a search like before.
    name = Customer.objects.for_business(business).values_list("name", flat=True).first()
    assert Customer.objects.for_business(business).filter(name__icontains=name[1:4]).exists()


def test_a_failed_load_keeps_the_indexes():
    before = _indexes(Customer._meta.db_table)
    with (
        pytest.raises(ValueError, match="the load failed"),
        transaction.atomic(),
        indexes_deferred([Customer]) as deferred,
    ):
        assert deferred and "customer_name_trgm" in deferred
        assert _indexes(Customer._meta.db_table) < before
        raise ValueError("the load failed")
    assert _indexes(Customer._meta.db_table) == before


def test_unique_and_primary_key_indexes_stay_during_the_load():
    unique = {name for name, d in _indexes(Payment._meta.db_table) if "UNIQUE" in d}
    assert any(name.endswith("_pkey") for name in unique)
    with transaction.atomic(), indexes_deferred([Payment]) as deferred:
        assert unique <= {name for name, _d in _indexes(Payment._meta.db_table)}
        assert not unique & set(deferred)


def test_only_a_load_that_doubles_the_table_defers(monkeypatch, business):
    monkeypatch.setattr(seed_demo, "DEFER_INDEXES_FROM", 10)
    CustomerFactory.create_batch(30, business=business)
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {Customer._meta.db_table}")
    assert not seed_demo._defer_indexes(9)  # under the threshold
    assert not seed_demo._defer_indexes(20)  # a small load into a larger table
    assert seed_demo._defer_indexes(40)


@pytest.mark.django_db(transaction=True)
def test_deferring_needs_a_transaction():
    with (
        pytest.raises(RuntimeError, match="inside transaction.atomic"),
        indexes_deferred([Customer]),
    ):
        pass
