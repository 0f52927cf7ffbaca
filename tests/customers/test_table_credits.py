"""The customer table's Credits column and credit filters: what a merchant sees, the
business's own entitlements only, clear errors for bad input, a constant query count."""

import pytest
from django.urls import reverse

from tests.customers.test_table_figures import _cells
from tests.factories import CustomerFactory
from tests.wallets.credits.helpers import entitlement, grant

pytestmark = pytest.mark.django_db
LIST = reverse("customers:list")


def names(response) -> list[str]:
    return sorted(row.record.name for row in response.context["table"].paginated_rows)


def errors(response) -> dict:
    assert response.status_code == 200
    return dict(response.context["filterset"].form.errors)


def test_credits_column_lists_each_live_credit_held(owner_client, credit_shop):
    shop = credit_shop
    response = owner_client.get(LIST, {"columns": "name,credits"})
    assert _cells(response, shop.ada)["credits"] == "API calls 1,250 Render minutes 30.5"
    assert _cells(response, shop.bob)["credits"] == "API calls 0"  # spent out: still shown
    assert _cells(response, shop.cy)["credits"] == "API calls −20 (In overage)"
    assert 'class="credit-overage" title="In overage"' in response.content.decode()
    # Dee holds only credits of a deleted entitlement: nothing to show.
    assert _cells(response, shop.dee)["credits"] == "—"
    assert "Old credits" not in response.content.decode()


def test_credits_column_in_korean(owner_client, credit_shop):
    owner_client.cookies["django_language"] = "ko"
    html = owner_client.get(LIST, {"columns": "name,credits"}).content.decode()
    assert "크레딧" in html and "초과 사용 중" in html


def test_credits_column_is_offered_in_edit_columns(owner_client, credit_shop):
    html = owner_client.get(LIST).content.decode()
    assert 'name="columns" value="credits"' in html


def test_another_business_credits_are_invisible(owner_client, credit_shop):
    shop = credit_shop
    response = owner_client.get(LIST, {"columns": "name,credits"})
    assert shop.rival.pk not in response.content.decode()
    choices = dict(response.context["filterset"].form.fields["credits"].choices)
    assert set(choices) == {"", shop.calls.pk, shop.minutes.pk}
    # The rival's entitlement is not a choice here: a clear error, nothing filtered by it.
    assert "credits" in errors(owner_client.get(LIST, {"credits": shop.rival_calls.pk}))


def test_has_credits_of_an_entitlement(owner_client, credit_shop):
    assert names(owner_client.get(LIST, {"credits": credit_shop.calls.pk})) == ["Ada"]
    assert names(owner_client.get(LIST, {"credits": credit_shop.minutes.pk})) == ["Ada"]


def test_balance_below_includes_spent_out_customers(owner_client, credit_shop):
    calls = credit_shop.calls.pk
    assert names(owner_client.get(LIST, {"credits": calls, "credits_below": "100"})) == [
        "Bob",
        "Cy",
    ]
    assert names(owner_client.get(LIST, {"credits": calls, "credits_below": "1250.0"})) == [
        "Bob",
        "Cy",
    ]
    assert names(owner_client.get(LIST, {"credits": calls, "credits_below": "1251"})) == [
        "Ada",
        "Bob",
        "Cy",
    ]
    minutes = credit_shop.minutes.pk
    assert names(owner_client.get(LIST, {"credits": minutes, "credits_below": "30.6"})) == ["Ada"]


def test_in_overage_of_any_or_one_credit(owner_client, credit_shop):
    assert names(owner_client.get(LIST, {"credits_overage": "true"})) == ["Cy"]
    shop = credit_shop
    assert names(owner_client.get(LIST, {"credits_overage": "true", "credits": shop.calls.pk})) == [
        "Cy"
    ]
    assert (
        names(owner_client.get(LIST, {"credits_overage": "true", "credits": shop.minutes.pk})) == []
    )


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"credits_below": "100"}, "credits_below", "Choose the credit whose balance to compare."),
        ({"credits_below": "lots", "credits": "calls"}, "credits_below", "Enter the amount"),
        ({"credits_below": "-5", "credits": "calls"}, "credits_below", "greater than zero"),
        ({"credits_below": "0", "credits": "calls"}, "credits_below", "greater than zero"),
        ({"credits_below": "NaN", "credits": "calls"}, "credits_below", "greater than zero"),
        ({"credits_below": "1e400", "credits": "calls"}, "credits_below", "below 10,000,000,000"),
        ({"credits_below": "2.5", "credits": "calls"}, "credits_below", "at most 0 decimal"),
        ({"credits_below": "9" * 30, "credits": "calls"}, "credits_below", "at most 24"),
        ({"credits": "cde_nope"}, "credits", "Select a valid choice"),
        ({"credits_overage": "maybe"}, None, None),  # not true: no filter, no error
    ],
)
def test_bad_credit_filters_are_form_errors(owner_client, credit_shop, params, field, message):
    params = {k: credit_shop.calls.pk if v == "calls" else v for k, v in params.items()}
    response = owner_client.get(LIST, params)
    found = errors(response)
    if field is None:
        assert found == {}
        return
    assert message in " ".join(found[field]), found
    assert message in response.content.decode()  # shown above the table
    assert names(response)  # the rest of the list still shows


def test_one_credit_needs_no_choice(owner_client, business):
    calls = entitlement(business)
    low, rich = CustomerFactory.create_batch(2, business=business)
    grant(calls, low, 3)
    grant(calls, rich, 300)
    response = owner_client.get(LIST, {"credits_below": "10"})
    assert errors(response) == {}
    assert [r.record.pk for r in response.context["table"].paginated_rows] == [low.pk]


def test_without_credits_the_filters_stay_out_of_sight(owner_client, customer):
    html = owner_client.get(LIST).content.decode()
    assert "Has credits of" not in html and "Credit balance below" not in html
    # Asked for anyway: a clear error, not a 500.
    response = owner_client.get(LIST, {"credits": "cde_x", "credits_below": "5"})
    assert set(errors(response)) == {"credits"}
    # In overage of no credit at all: nobody.
    response = owner_client.get(LIST, {"credits_overage": "true"})
    assert errors(response) == {} and names(response) == []


def test_table_exports_credits_as_their_report_columns(owner_client, credit_shop):
    shop = credit_shop
    html = owner_client.get(LIST, {"columns": "name,credits"}).content.decode()
    # The overage column only where the entitlement allows overage; names sort first.
    expected = f"columns=name,credit_balance_{shop.calls.pk},credit_overage_{shop.calls.pk}"
    assert f'{expected},credit_balance_{shop.minutes.pk}"' in html


def test_credits_keep_the_page_query_count(owner_client, business, django_assert_max_num_queries):
    calls = entitlement(business)
    minutes = entitlement(business, name="Render minutes", precision=1)
    for c in CustomerFactory.create_batch(3, business=business):
        grant(calls, c, 5)
    params = {"per_page": "50", "columns": "name,credits", "credits": calls.pk}
    owner_client.get(LIST, params)  # SQLite probes its JSON support once per connection
    with django_assert_max_num_queries(9) as plain:
        owner_client.get(LIST)
    for c in CustomerFactory.create_batch(40, business=business):
        grant(calls, c, 5)
        grant(minutes, c, 2.5)
    with django_assert_max_num_queries(len(plain.captured_queries)) as shown:
        response = owner_client.get(LIST, {**params, "credits_below": "10"})
    assert len(response.context["table"].paginated_rows) == 43
    # One query reads the entitlements; the rows' balances ride on the page's query.
    sql = [q["sql"] for q in shown.captured_queries]
    assert sum('FROM "wallets_creditentitlement"' in q for q in sql) == 1
