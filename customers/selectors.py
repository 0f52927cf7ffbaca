"""Reads about one customer that every area's views share."""

from django.shortcuts import get_object_or_404

from customers.models import Business, Customer


def customer_get(*, business: Business, customer_id: str) -> Customer:
    """The business's customer with this ID; another business's (or no) customer is a 404."""
    return get_object_or_404(Customer.objects.for_business(business), pk=customer_id)
