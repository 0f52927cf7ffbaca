"""Settings → Webhooks: owners and admins manage endpoints; viewers get a 403; another
business's endpoint is a 404; the log shows every attempt and replays."""

import pytest
from django.urls import reverse

from customers.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from customers.webhooks.delivery import endpoint_send
from customers.webhooks.outbox import message_send
from tests.customers.webhooks.conftest import make_endpoint

pytestmark = pytest.mark.django_db


def test_owner_adds_an_endpoint(owner_client, business):
    response = owner_client.post(
        reverse("webhook_list"),
        {"url": "https://hooks.example.com/in", "filter_types": ["refund.succeeded"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("webhook_detail", args=[endpoint.pk])
    assert (endpoint.business, endpoint.filter_types) == (business, ["refund.succeeded"])
    page = owner_client.get(reverse("webhook_list"))
    assert "hooks.example.com/in" in page.content.decode()


@pytest.mark.parametrize("url", ["", "not a url", "ftp://files.example.com/"])
def test_a_bad_url_is_a_form_error(owner_client, url):
    response = owner_client.post(reverse("webhook_list"), {"url": url})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_edit_disable_and_delete(owner_client, business):
    endpoint = make_endpoint(business, "https://a.example.com/")
    url = reverse("webhook_detail", args=[endpoint.pk])
    owner_client.post(url, {"url": "https://b.example.com/", "description": "B", "disabled": "on"})
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description, endpoint.disabled) == (
        "https://b.example.com/",
        "B",
        True,
    )
    owner_client.post(reverse("webhook_delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_reveal_and_rotate_the_secret(owner_client, business):
    endpoint = make_endpoint(business, "https://a.example.com/")
    page = owner_client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in page  # hidden until revealed
    response = owner_client.post(reverse("webhook_secret", args=[endpoint.pk]))
    assert response.status_code == 200 and endpoint.secret in response.content.decode()
    assert endpoint.secret not in str(dict(owner_client.session))  # never in the session
    response = owner_client.post(
        reverse("webhook_secret", args=[endpoint.pk]), {"rotate": "1"}, follow=True
    )
    rotated = WebhookEndpoint.objects.get()
    assert rotated.secret != endpoint.secret and rotated.previous_secret == endpoint.secret
    assert rotated.secret not in response.content.decode()
    revealed = owner_client.post(reverse("webhook_secret", args=[endpoint.pk]))
    assert rotated.secret in revealed.content.decode()


def test_the_log_shows_attempts_filters_and_replays(
    owner_client, business, receiver, allow_local, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(business, receiver.url)
    receiver.answers = [500]
    receiver.body = b"temporarily down"
    message_send(
        business_id=business.pk, webhook_type="refund.succeeded", data={}, endpoints=[endpoint]
    )
    endpoint_send(endpoint_id=endpoint.pk)
    url = reverse("webhook_detail", args=[endpoint.pk])
    page = owner_client.get(url).content.decode()
    assert "refund.succeeded" in page and "500" in page and "temporarily down" in page
    assert endpoint.secret not in page
    row = "<td><code>refund.succeeded</code></td>"
    assert row in page
    assert row not in owner_client.get(url, {"status": "succeeded"}).content.decode()
    assert row in owner_client.get(url, {"status": "failed"}).content.decode()
    assert (
        "temporarily down"
        not in owner_client.get(url, {"type": "customer.created"}).content.decode()
    )

    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("webhook_replay", args=[endpoint.pk, delivery.pk]))
    assert WebhookAttempt.objects.filter(succeeded=True).count() == 1


def test_send_test_event(
    owner_client, business, receiver, allow_local, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(business, receiver.url, filter_types=["refund.succeeded"])
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("webhook_test", args=[endpoint.pk]))
    assert len(receiver.of_type("webhook.test")) == 1


def test_viewers_get_403(viewer_client, business):
    endpoint = make_endpoint(business, "https://a.example.com/")
    assert viewer_client.get(reverse("webhook_list")).status_code == 403
    assert viewer_client.get(reverse("webhook_detail", args=[endpoint.pk])).status_code == 403
    assert viewer_client.post(reverse("webhook_secret", args=[endpoint.pk])).status_code == 403
    assert viewer_client.post(reverse("webhook_delete", args=[endpoint.pk])).status_code == 403
    assert WebhookEndpoint.objects.exists()


def test_another_business_endpoint_is_404(owner_client, other_business):
    theirs = make_endpoint(other_business, "https://globex.example.com/")
    for name in ("webhook_detail",):
        assert owner_client.get(reverse(name, args=[theirs.pk])).status_code == 404
    for name in ("webhook_secret", "webhook_test", "webhook_delete"):
        assert owner_client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert "globex" not in owner_client.get(reverse("webhook_list")).content.decode()


def test_korean_page(owner_client):
    owner_client.cookies["django_language"] = "ko"
    page = owner_client.get(reverse("webhook_list"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "웹훅" in page
