"""The sign-ups chart of Build Report (customers.reports.chart): its grain, and the
queries it reads."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.customers.reports.helpers import NOW, REPORT
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_signup_chart_groups_by_a_grain_that_suits_the_range(owner_client, business):
    for days_ago in (0, 0, 1, 3):
        CustomerFactory(business=business, created_at=NOW - dt.timedelta(days=days_ago))
    chart = owner_client.get(REPORT).context["chart"]
    assert chart.grain == "day" and chart.total == 4
    assert [b.count for b in chart.bars] == [1, 0, 1, 2]
    CustomerFactory(business=business, created_at=NOW - dt.timedelta(days=400))
    chart = owner_client.get(REPORT).context["chart"]
    assert chart.grain == "month" and chart.total == 5 and sum(b.count for b in chart.bars) == 5
    html = owner_client.get(REPORT).content.decode()
    assert 'role="img" aria-labelledby="signup-chart-title signup-chart-desc"' in html
    assert "5 customers signed up from" in html


def test_unfiltered_signup_chart_reads_the_kept_days_not_the_customers(owner_client, business):
    CustomerFactory.create_batch(3, business=business)
    with CaptureQueriesContext(connection) as ctx:
        owner_client.get(REPORT, {"columns": "name,id"})  # no computed (grouped) subqueries
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    assert not any("customers_customer" in sql for sql in grouped)
    # The chart's days, and how many match (their sum): no customer is counted.
    assert sum("customers_signupday" in q["sql"] for q in ctx.captured_queries) == 2
    assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)


def test_filtered_signup_chart_under_the_cap_is_one_query(owner_client, business):
    CustomerFactory.create_batch(3, business=business)
    with CaptureQueriesContext(connection) as ctx:
        owner_client.get(REPORT, {"columns": "name,id", "has_phone": "true"})
    charts = [
        q for q in ctx.captured_queries if 'SELECT "customers_customer"."created_at"' in q["sql"]
    ]
    assert len(charts) == 1
