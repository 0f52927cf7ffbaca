"""The Build Report page and saved reports (customers.reports.views): the page and its
HTMX preview, form errors, and who may see, change or delete a saved report."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Event, Membership, SavedReport
from tests.customers.reports.helpers import ALL_COLUMNS, CSV, REPORT, logged_in, read_csv
from tests.factories import CustomerFactory, PaymentFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_report_page_and_htmx_preview(owner_client, shop):
    page = owner_client.get(REPORT, {"columns": "name,total_paid_usd"})
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html and 'id="report-form"' in html
    assert "5 customers match" in html and "19.99" in html
    assert "HX-Request" in page["Vary"]
    fragment = owner_client.get(
        REPORT,
        {"columns": "name", "has_active_subscription": "true"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="report-preview"')
    assert "2 customers match" in fragment
    assert f"{CSV}?has_active_subscription=true&amp;columns=name" in fragment


def test_preview_count_is_capped(owner_client, business, settings):
    settings.CUSTOMER_LIST_COUNT_CAP = 3
    CustomerFactory.create_batch(5, business=business)
    assert "3+ customers match" in owner_client.get(REPORT).content.decode()


def test_preview_query_count_does_not_grow(owner_client, business, django_assert_max_num_queries):
    params = {"columns": ",".join(ALL_COLUMNS), "min_paid": "1"}
    for customer in CustomerFactory.create_batch(2, business=business):
        PaymentFactory(customer=customer)
    with CaptureQueriesContext(connection) as small:
        owner_client.get(REPORT, params, headers={"HX-Request": "true"})
    for customer in CustomerFactory.create_batch(30, business=business):
        PaymentFactory(customer=customer)
        SubscriptionFactory(customer=customer)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(REPORT, params, headers={"HX-Request": "true"})


def test_bad_filter_values_are_form_errors_on_the_report_page(owner_client, customer):
    response = owner_client.get(REPORT, {"min_paid": "12.345", "created_after": "soon"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "USD amounts have at most 2 decimal places." in html
    assert "Enter a valid date." in html
    assert "Fix the filters above to export" in html
    assert owner_client.get(CSV, {"min_paid": "abc"}).status_code == 400
    assert not Event.objects.filter(type="customers.exported").exists()


def test_viewers_can_build_and_export(viewer_client, shop):
    assert viewer_client.get(REPORT).status_code == 200
    assert len(read_csv(viewer_client.get(CSV, {"columns": "id"}))) == len(shop)


def test_korean_report_page(owner_client, shop):
    owner_client.post(reverse("set_language"), {"language": "ko", "next": REPORT})
    html = owner_client.get(REPORT).content.decode()
    assert 'lang="ko"' in html and "고객" in html


# Saved reports -----------------------------------------------------------------


def _save(client, name="Big spenders", query="min_paid=10&columns=name,total_paid_usd"):
    return client.post(reverse("customers:report_save"), {"name": name, "query": query})


def test_save_reopen_edit_and_delete(owner_client, owner, shop):
    response = _save(owner_client)
    saved = SavedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:report_detail", args=[saved.pk])
    assert saved.columns == ["name", "total_paid_usd"]
    assert saved.filters == "min_paid=10"
    assert saved.created_by == owner and saved.business == shop[0].business

    page = owner_client.get(response["Location"]).content.decode()
    assert "Big spenders" in page and "2 customers match" in page  # Ada 19.99, Cy 10.00

    owner_client.post(
        reverse("customers:report_update", args=[saved.pk]),
        {"name": "Everyone", "query": "columns=email&sort=-name"},
    )
    saved.refresh_from_db()
    assert (saved.name, saved.columns, saved.filters) == ("Everyone", ["email"], "sort=-name")

    owner_client.post(reverse("customers:report_delete", args=[saved.pk]))
    assert not SavedReport.objects.exists()


def test_saving_checks_the_name_and_the_query(owner_client, shop):
    assert _save(owner_client, name="").status_code == 200
    response = _save(owner_client, query="columns=salary")  # a tampered form
    assert response.status_code == 400
    assert "Unknown column “salary”" in response.content.decode()
    assert not SavedReport.objects.exists()


def test_viewers_save_their_own_but_cannot_change_others(client, business, owner_client, shop):
    _save(owner_client)
    owners = SavedReport.objects.get()
    viewer = logged_in(client, business, Membership.Role.VIEWER)
    assert viewer.get(reverse("customers:report_detail", args=[owners.pk])).status_code == 200
    update = reverse("customers:report_update", args=[owners.pk])
    assert viewer.post(update, {"name": "Mine now", "query": ""}).status_code == 403
    delete = reverse("customers:report_delete", args=[owners.pk])
    assert viewer.post(delete).status_code == 403

    _save(viewer, name="Viewer's own")
    own = SavedReport.objects.get(name="Viewer's own")
    viewer.post(reverse("customers:report_update", args=[own.pk]), {"name": "Renamed", "query": ""})
    own.refresh_from_db()
    assert own.name == "Renamed"
    # Owners and admins may tidy up anyone's report.
    owner_client.force_login(owners.created_by)
    owner_client.post(reverse("customers:report_delete", args=[own.pk]))
    assert not SavedReport.objects.filter(pk=own.pk).exists()


def test_another_business_report_is_404(client, other_business, owner_client, shop):
    _save(owner_client)
    saved = SavedReport.objects.get()
    rival = logged_in(client, other_business)
    for name in ("customers:report_detail", "customers:report_update", "customers:report_delete"):
        url = reverse(name, args=[saved.pk])
        response = (
            rival.post(url, {"name": "x"}) if name != "customers:report_detail" else rival.get(url)
        )
        assert response.status_code == 404
    assert SavedReport.objects.filter(pk=saved.pk).exists()


def test_saved_report_url_params_override_while_editing(owner_client, shop):
    _save(owner_client)
    saved = SavedReport.objects.get()
    url = reverse("customers:report_detail", args=[saved.pk])
    html = owner_client.get(url, {"columns": "name"}).content.decode()
    assert "5 customers match" in html  # the saved min_paid is not applied


def test_an_empty_report_offers_no_export(owner_client, customer):
    html = owner_client.get(REPORT, {"q": "nobody-matches-this"}).content.decode()
    assert "Nothing to export" in html and "export.csv" not in html.split("report-actions")[1][:600]
