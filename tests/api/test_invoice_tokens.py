"""The signed invoice link (`invoice_url`'s token) opens one document for 30 days."""

import time
from unittest import mock

import pytest

from customers.api.invoices import invoice_url

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def _minted(days_ago: float, payment) -> str:
    """The payment's invoice path with a token signed `days_ago` days ago."""
    with mock.patch("django.core.signing.time.time", return_value=time.time() - days_ago * DAY):
        url = invoice_url("payments", payment.pk)
    return url.split("://", 1)[1].split("/", 1)[1]


@pytest.mark.parametrize(("days_ago", "status"), [(0, 200), (29.9, 200), (30.1, 404), (365, 404)])
def test_an_invoice_token_works_for_30_days(client, billing, days_ago, status):
    response = client.get("/" + _minted(days_ago, billing["payment"]))
    assert response.status_code == status
    if status == 200:
        assert response.content[:4] == b"%PDF"
