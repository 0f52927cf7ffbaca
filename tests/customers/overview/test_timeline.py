"""The details page's timeline: every event and e-mail about the customer, newest
first, a keyset page at a time, filterable by kind, as a page or an HTMX fragment."""

import re

import pytest

from customers.audit import Actor, event_record
from customers.emails.services import email_queue
from customers.models import Event
from customers.overview.timeline import PER_PAGE
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def url(customer):
    return f"/customers/{customer.pk}/"


def events(customer, n, type="refund.succeeded", **payload):
    return [
        event_record(customer, type=type, actor=Actor.system(), payload=payload) for _ in range(n)
    ]


def ids_on(html: str) -> list[str]:
    return re.findall(r'data-entry="([^"]+)"', html)


def test_pages_go_back_in_time_without_gaps_or_repeats(owner_client, customer):
    made = events(customer, PER_PAGE * 2 + 5, amount=1250, currency="USD")
    newest_first = [e.pk for e in sorted(made, key=lambda e: (e.created_at, e.pk), reverse=True)]
    seen, query, pages = [], {}, 0
    for _attempt in range(5):  # three pages; a cursor that does not move must fail, not loop
        response = owner_client.get(url(customer), query)
        page = response.context["timeline"]
        seen += [entry.id for entry in page.object_list]
        pages += 1
        if not page.has_next():
            break
        query = {"before": page.older_cursor}
    else:
        pytest.fail(f"the older pages never ended: {pages} pages, {len(seen)} entries")
    assert pages == 3 and seen == newest_first
    # And forward again from the last page: the newer page is the one before it.
    newer = owner_client.get(url(customer), {"after": page.newer_cursor}).context["timeline"]
    assert [e.id for e in newer.object_list] == newest_first[PER_PAGE : PER_PAGE * 2]
    assert newer.has_previous() and newer.has_next()


def test_entries_say_what_happened_in_words(owner_client, customer):
    events(customer, 1, amount=1250, currency="USD")
    events(customer, 1, type="tag.added")  # another branch's type: a generic label
    events(customer, 1, type="mystery")
    html = owner_client.get(url(customer)).content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "Refund issued" in timeline and "$12.50" in timeline
    assert "Tags changed" in timeline and "Other activity" in timeline


def test_korean_readers_get_korean_labels(owner_client, customer):
    events(customer, 1, type="payment.succeeded", amount=500, currency="USD")
    owner_client.cookies["django_language"] = "ko"
    html = owner_client.get(url(customer)).content.decode()
    assert "결제 완료" in html and "타임라인" in html


def test_filter_by_kind_and_emails(owner_client, customer, business):
    events(customer, 2, type="wallet.credited", amount=100, currency="USD")
    events(customer, 3, type="payment.succeeded", amount=100, currency="USD")
    email_queue(
        business=business,
        to=customer.email,
        subject="Your receipt",
        body="Thanks",
        category="payments",
        email_type="payment_receipt",
        customer_id=customer.pk,
    )
    wallet = owner_client.get(url(customer), {"activity": "wallet"}).context["timeline"]
    assert [e.type for e in wallet.object_list] == ["wallet.credited"] * 2
    mails = owner_client.get(url(customer), {"activity": "emails"})
    assert [e.subject for e in mails.context["timeline"].object_list] == ["Your receipt"]
    everything = owner_client.get(url(customer)).context["timeline"]
    assert len(everything.object_list) == 6


def test_htmx_gets_only_the_timeline(owner_client, customer):
    events(customer, 1)
    response = owner_client.get(
        url(customer),
        {"activity": "refunds"},
        headers={"HX-Request": "true", "HX-Target": "timeline"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section class="card" id="timeline"')
    assert "Refund issued" in body and 'id="tab-panel"' not in body
    assert "HX-Request" in response["Vary"]


def test_other_customers_and_businesses_events_are_not_shown(owner_client, customer, business):
    events(CustomerFactory(business=business), 1, type="payment.failed")
    events(CustomerFactory(), 1, type="payment.failed")
    Event.objects.filter(type="payment.failed").update(customer_id=customer.pk)
    page = owner_client.get(url(customer)).context["timeline"]
    assert [e.type for e in page.object_list] == ["payment.failed"]  # only this business's


@pytest.mark.parametrize(
    "query",
    [
        {"before": "garbage"},
        {"after": "9" * 19 + ".evt_x"},
        {"before": "-99999999999999999.evt_x"},
        {"activity": "\x00"},
        {"before": "1.evt_\x00"},
    ],
)
def test_bad_cursors_show_the_first_page(owner_client, customer, query):
    events(customer, 2)
    response = owner_client.get(url(customer), query)
    assert response.status_code == 200


def test_timeline_query_count_does_not_grow(owner_client, customer, django_assert_max_num_queries):
    events(customer, 2)
    with django_assert_max_num_queries(30) as small:
        owner_client.get(url(customer), headers={"HX-Request": "true", "HX-Target": "timeline"})
    events(customer, 60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        owner_client.get(url(customer), headers={"HX-Request": "true", "HX-Target": "timeline"})


def test_a_single_full_page_offers_neither_newer_nor_older(owner_client, customer):
    events(customer, PER_PAGE, amount=100, currency="USD")
    page = owner_client.get(url(customer)).context["timeline"]
    assert len(page.object_list) == PER_PAGE
    assert not page.has_previous() and not page.has_next()
