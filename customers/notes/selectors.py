"""Reads of notes and tags for the details page, the table, the API and reports."""

import json

from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, TextField

from customers.core.prepared import prepared
from customers.models import Business, Customer, CustomerTag, Note, Tag

NOTES_SHOWN = 50


class TagNames(models.Func):
    """The customer's tag names, alphabetical, joined with ", " (NULL without tags):
    one probe of CustomerTag's unique (business, customer, tag) index per customer.
    Written out because the ordered aggregate is spelt differently per database."""

    output_field = TextField()
    POSTGRESQL = (
        "(SELECT STRING_AGG(t.name, ', ' ORDER BY t.name) FROM customers_customertag ct"
        " JOIN customers_tag t ON t.id = ct.tag_id"
        " WHERE ct.business_id = {business} AND ct.customer_id = {customer})"
    )
    SQLITE = (
        "(SELECT GROUP_CONCAT(name, ', ') FROM (SELECT t.name FROM customers_customertag ct"
        " JOIN customers_tag t ON t.id = ct.tag_id"
        " WHERE ct.business_id = {business} AND ct.customer_id = {customer} ORDER BY t.name))"
    )

    def _sql(self, compiler, template):
        (business, b_params), (customer, c_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return template.format(business=business, customer=customer), (*b_params, *c_params)

    def as_sql(self, compiler, connection, **extra):
        return self._sql(compiler, self.SQLITE)

    def as_postgresql(self, compiler, connection, **extra):
        return self._sql(compiler, self.POSTGRESQL)


class TagNamesJson(TagNames):
    """The same names as a JSON array (text), for the API: `["VIP", "wholesale"]`."""

    POSTGRESQL = (
        "(SELECT COALESCE(JSON_AGG(t.name ORDER BY t.name), '[]'::json)::text"
        " FROM customers_customertag ct JOIN customers_tag t ON t.id = ct.tag_id"
        " WHERE ct.business_id = {business} AND ct.customer_id = {customer})"
    )
    SQLITE = (
        "(SELECT JSON_GROUP_ARRAY(name) FROM (SELECT t.name FROM customers_customertag ct"
        " JOIN customers_tag t ON t.id = ct.tag_id"
        " WHERE ct.business_id = {business} AND ct.customer_id = {customer} ORDER BY t.name))"
    )


def with_tag_names(customers: QuerySet) -> QuerySet:
    """`customers` with their tag names in the same query (`tag_names_json`)."""
    return customers.annotate(tag_names_json=TagNamesJson(F("business"), F("pk")))


def tag_names_of(customer: Customer) -> list[str]:
    """The customer's tag names, alphabetical: from `with_tag_names`, `with_tags`, or
    one query."""
    annotated = getattr(customer, "tag_names_json", None)
    if annotated is not None:
        return json.loads(annotated)
    return [tag.name for tag in tags_of(customer)]


@prepared("business_id")
def tag_choices(*, business_id: str) -> QuerySet:
    """The business's tags as (id, name), by name: the tag filter's choices."""
    return Tag.objects.for_business(business_id).order_by("name", "id").values_list("pk", "name")


def business_tags(business: Business) -> list[Tag]:
    return list(Tag.objects.for_business(business).order_by("name", "id"))


def with_tags(customers: QuerySet) -> QuerySet:
    """`customers` with each one's tags in one more query per page (`tag_list`)."""
    return customers.prefetch_related(
        Prefetch(
            "customer_tags",
            queryset=CustomerTag.objects.select_related("tag").order_by("tag__name"),
            to_attr="tag_rows",
        )
    )


def tags_of(customer: Customer) -> list[Tag]:
    """The customer's tags by name (prefetched by `with_tags`, else one query)."""
    rows = getattr(customer, "tag_rows", None)
    if rows is None:
        rows = CustomerTag.objects.filter(customer=customer).select_related("tag")
        rows = rows.order_by("tag__name")
    return [row.tag for row in rows]


def notes_panel(customer: Customer) -> dict:
    """The details page's notes and tags: two queries (the business's tags, each
    marked when the customer has it), both prepared (customers.core.prepared)."""
    ids = {"business_id": customer.business_id, "customer_id": customer.pk}
    notes = _latest_notes(**ids, limit=NOTES_SHOWN + 1)
    tags = _tags_marked(**ids)
    return {
        "notes": notes[:NOTES_SHOWN],
        "notes_more": len(notes) > NOTES_SHOWN,
        "customer_tags": [tag for tag in tags if tag.on_customer],
        "addable_tags": [tag for tag in tags if not tag.on_customer],
    }


@prepared("business_id", "customer_id")
def _latest_notes(*, business_id: str, customer_id: str, limit: int) -> QuerySet[Note]:
    notes = Note.objects.for_business(business_id).filter(customer_id=customer_id)
    return notes.order_by("-created_at", "-id")[:limit]


@prepared("business_id", "customer_id")
def _tags_marked(*, business_id: str, customer_id: str) -> QuerySet[Tag]:
    """The business's tags, each with `on_customer`."""
    has_it = CustomerTag.objects.filter(
        business=business_id, customer=customer_id, tag=OuterRef("pk")
    )
    tags = Tag.objects.for_business(business_id).annotate(on_customer=Exists(has_it))
    return tags.order_by("name", "id")
