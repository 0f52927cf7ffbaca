"""The e-mail outbox (customers.emails): every e-mail is a row written with the change
and sent by the worker after the commit; a dead SMTP server fails no page and loses no
message (it ends `failed`, visible in admin, and can be sent again)."""

import socket
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from customers.audit import Actor
from customers.emails.services import email_queue, email_retry
from customers.emails.tasks import emails_requeue_stale_task
from customers.models import EmailLog
from portal import services as portal_services
from portal.tasks import portal_magic_link_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queue_one(business, **kw):
    return email_queue(
        business=business,
        to="ada@example.com",
        subject="Hello",
        body="Body",
        category="auth",
        email_type="test",
        **kw,
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe closes


def test_an_email_is_sent_after_the_commit_from_the_business_name(
    business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queue_one(business)
    assert mail.outbox == [] and len(callbacks) == 1  # nothing leaves before the commit
    callbacks[0]()
    email.refresh_from_db()
    assert email.status == EmailLog.Status.SENT and email.sent_at and email.attempts == 1
    assert mail.outbox[0].from_email == "Acme Corp <no-reply@localhost>"


def test_a_rolled_back_change_sends_nothing(business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        queue_one(business)
        transaction.set_rollback(True)
    assert mail.outbox == [] and not EmailLog.objects.exists()


def test_sending_twice_sends_once(business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_one(business)
    from customers.emails.delivery import email_deliver  # noqa: PLC0415 - test-only

    assert email_deliver(email_id=email.pk) is False
    assert len(mail.outbox) == 1


def test_a_dead_smtp_server_fails_no_page_and_the_email_ends_failed(
    client, business, customer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 1
    url = reverse("portal:login", args=[business.pk])
    with django_capture_on_commit_callbacks(execute=True):  # eager: retries run at once
        response = client.post(url, {"email": customer.email})
    assert response.status_code == 302
    email = EmailLog.objects.get(email_type="portal_magic_link")
    assert email.status == EmailLog.Status.FAILED
    assert email.attempts == 7  # the first try and six retries
    assert "ConnectionRefusedError" in email.failure_reason

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert email_retry(email_ids=[email.pk]) == 1
    email.refresh_from_db()
    assert email.status == EmailLog.Status.SENT and mail.outbox[0].to == [customer.email]


def test_the_admin_action_sends_failed_emails_again(client, business, settings):
    email = queue_one(business)
    EmailLog.objects.filter(pk=email.pk).update(status=EmailLog.Status.FAILED)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:customers_emaillog_changelist"),
        {"action": "send_again", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "1 e-mail queued again." in response.content.decode()


def test_stale_emails_are_handed_to_the_worker_again(business, settings):
    email = queue_one(business)  # its task was never sent (no commit in this test)
    assert emails_requeue_stale_task() == 0  # too recent to be stale
    later = (email.updated_at + portal_services.dt.timedelta(minutes=16)).isoformat()
    assert emails_requeue_stale_task(later) == 1
    email.refresh_from_db()
    assert email.status == EmailLog.Status.SENT


def test_the_login_page_does_the_same_work_for_known_and_unknown_addresses(
    client, business, customer, django_capture_on_commit_callbacks
):
    url = reverse("portal:login", args=[business.pk])
    with (
        mock.patch.object(portal_magic_link_send, "apply_async") as enqueued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        known = client.post(url, {"email": customer.email})
        unknown = client.post(url, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert [c.kwargs["args"] for c in enqueued.call_args_list] == [
        (business.pk, customer.email, "en"),  # the login page's language
        (business.pk, "nobody@example.com", "en"),
    ]
    assert not EmailLog.objects.exists()  # the request itself looked nothing up


def test_invites_are_queued_in_the_customers_language(customer, django_capture_on_commit_callbacks):
    customer.preferred_locale = "ko"
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        portal_services.portal_session_create(
            customer=customer, send_email=True, actor=Actor.system()
        )
    email = EmailLog.objects.get()
    assert email.customer_id == customer.pk and email.email_type == "portal_invite"
    assert email.status == EmailLog.Status.SENT
    assert "포털" in email.body
