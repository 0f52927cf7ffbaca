"""The floor `bench_api` compares the API with: the same SQL and the same JSON as
`GET /api/customers` and `GET /api/customers/{id}`, with no auth, no rate limit, no
schemas, no validation, no model instances — a plain Django view over values_list()."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, JsonResponse

from customers.models import Customer
from customers.notes.selectors import with_tag_names

COLUMNS = [
    "id",
    "business_id",
    "email",
    "name",
    "created_at",
    "phone_number",
    "metadata",
    "preferred_locale",
    "billing_country",
    "billing_street",
    "billing_city",
    "billing_state",
    "billing_zipcode",
    "tax_id",
    "business_name",
    "tag_names_json",
]


def _row(values) -> dict:
    pk, business_id, email, name, created_at, phone, metadata, locale, *billing, tags = values
    country, street, city, state, zipcode, tax_id, business_name = billing
    address = {
        "country": country,
        "street": street or None,
        "city": city or None,
        "state": state or None,
        "zipcode": zipcode or None,
    }
    return {
        "customer_id": pk,
        "business_id": business_id,
        "email": email,
        "name": name,
        "created_at": created_at,
        "phone_number": phone or None,
        "metadata": metadata or {},
        "preferred_locale": locale or None,
        "blocked_at": None,
        "blocklist_entry_id": None,
        "billing": address if country else None,
        "tax_id": tax_id or None,
        "business_name": business_name or None,
        "tags": json.loads(tags),
    }


def _fetch(queryset) -> list[tuple]:
    return list(with_tag_names(queryset).values_list(*COLUMNS))


def floor_customers(request, business_id):
    size = int(request.GET.get("page_size", 10))
    number = int(request.GET.get("page_number", 0))
    queryset = Customer.objects.filter(business_id=business_id).newest_first()
    rows = _fetch(queryset[number * size : (number + 1) * size])
    return JsonResponse({"items": [_row(r) for r in rows]}, encoder=DjangoJSONEncoder)


def floor_customer(request, business_id, customer_id):
    rows = _fetch(Customer.objects.filter(business_id=business_id, pk=customer_id)[:1])
    if not rows:
        raise Http404
    return JsonResponse(_row(rows[0]), encoder=DjangoJSONEncoder)
