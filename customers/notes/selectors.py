"""Reads of notes and tags for the details page, the table, the API and reports."""

from django.db.models import Prefetch, QuerySet

from customers.models import Business, Customer, CustomerTag, Note, Tag

NOTES_SHOWN = 50


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
    """The details page's notes and tags: three queries."""
    notes = list(
        Note.objects.for_business(customer.business_id)
        .filter(customer=customer)
        .order_by("-created_at", "-id")[: NOTES_SHOWN + 1]
    )
    tags = tags_of(customer)
    own = {tag.pk for tag in tags}
    return {
        "notes": notes[:NOTES_SHOWN],
        "notes_more": len(notes) > NOTES_SHOWN,
        "customer_tags": tags,
        "addable_tags": [t for t in business_tags(customer.business_id) if t.pk not in own],
    }
