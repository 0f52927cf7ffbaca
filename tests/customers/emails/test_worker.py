"""The e-mail outbox through a real worker on Redis (PostgreSQL; see tests/worker.py)."""

import pytest
from django_celery_results.models import TaskResult

from customers.audit import Actor
from customers.models import EmailLog
from portal.services import portal_session_create
from tests.customers.emails.test_outbox import closed_port
from tests.worker import wait_for, worker_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_worker_sends_the_invite_after_the_commit(customer, tmp_path):
    mails = tmp_path / "mails"
    backend = "django.core.mail.backends.filebased.EmailBackend"
    with worker_process(tmp_path, EMAIL_BACKEND=backend, EMAIL_FILE_PATH=str(mails)):
        _link, url = portal_session_create(customer=customer, send_email=True, actor=Actor.system())
        email = EmailLog.objects.get()

        def sent():
            email.refresh_from_db()
            return email.status == EmailLog.Status.SENT

        wait_for(sent, what="the invite to be sent")
    files = list(mails.iterdir())
    assert len(files) == 1 and url in files[0].read_text()


def test_a_dead_smtp_server_ends_in_a_visible_failure_after_retries(customer, tmp_path):
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(closed_port()),
        "EMAIL_USE_TLS": "0",
        "EMAIL_MAX_RETRIES": "2",
    }
    with worker_process(tmp_path, **env):
        portal_session_create(customer=customer, send_email=True, actor=Actor.system())
        email = EmailLog.objects.get()

        def failed():
            email.refresh_from_db()
            return email.status == EmailLog.Status.FAILED

        wait_for(failed, what="the e-mail to fail for good")
        # The result row says RETRY between tries, and the worker may record the
        # final FAILURE just after the e-mail's own status: wait for the last word.
        result = wait_for(
            lambda: (
                TaskResult.objects.filter(task_name="customers.emails.tasks.email_send")
                .exclude(status="RETRY")
                .first()
            ),
            what="the failed task to be recorded",
        )
    assert email.attempts == 3  # the first try, then two retries
    assert result.status == "FAILURE" and "ConnectionRefusedError" in result.result
