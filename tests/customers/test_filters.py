"""Date filters at the edge of the calendar are a form error on every page that takes
them (the table, Build Report, the exports), never a server error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FAR_DATES = [
    {"created_before": "9999-12-31"},
    {"created_after": "9999-12-31"},
    {"created_after": "0001-01-01", "created_before": "9999-12-31"},
    {"created_before": "0001-01-01"},
    {"created_after": "10000-01-01"},
]


def test_far_dates_on_the_table_and_build_report_are_form_errors(owner_client, customer):
    for url in (reverse("customers:list"), reverse("customers:report")):
        for params in FAR_DATES:
            response = owner_client.get(url, params)
            assert response.status_code == 200, (url, params)
        response = owner_client.get(url, {"created_before": "9999-12-31"})
        assert "Enter a date up to 9998-12-31." in response.content.decode()


def test_far_dates_on_the_exports_are_refused(owner_client, customer):
    for name in ("customers:export_csv", "customers:export_xlsx"):
        for params in FAR_DATES:
            response = owner_client.get(reverse(name), params)
            assert response.status_code in (200, 400), (name, params)
        assert owner_client.get(reverse(name), {"created_before": "9999-12-31"}).status_code == 400


def test_the_last_day_still_filters(owner_client, customer):
    response = owner_client.get(reverse("customers:list"), {"created_before": "9998-12-31"})
    assert customer.name in response.content.decode()
