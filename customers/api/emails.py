"""The e-mail log (the official client's `customers.emails`): what was e-mailed to a
customer, when, to which address, and whether it went out; and the text of one.

Only e-mails with an outcome are listed (`sent` or `failed`; a queued one appears once
the worker has tried it). Sign-in e-mails carry a live login link, so their text is
never shown (`has_preview: false`, `text: null`)."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router

from customers.api.common import ERRORS, Out, PageParams, get_scoped, page
from customers.models import Customer, EmailLog

router = Router(tags=["Customers"])

SHOWN = (EmailLog.Status.SENT, EmailLog.Status.FAILED)


class EmailPoliciesOut(Out):
    requires_different_address: bool = False
    resend_allowed: bool = False
    resends_remaining: int = 0
    retry_allowed: bool = False
    superseded: bool = False


class EmailLogItemOut(Out):
    email_log_id: str = Field(..., examples=["eml_0NXqZ3o9pA5kH2bT1cWm8RyLs"])
    category: str = Field(..., description="payments, refunds, subscriptions, auth, …")
    email_type: str = Field(..., examples=["payment_succeeded"])
    created_at: dt.datetime
    status: Literal["sent", "delivered", "failed", "complained", "blocked"]
    has_preview: bool
    policies: EmailPoliciesOut
    failure_code: Literal["send_failed"] | None = None
    failure_reason: str | None = None
    from_: str | None = Field(None, alias="from")
    recipient: str | None = None
    subject: str | None = None


class EmailLogListOut(Out):
    items: list[EmailLogItemOut]


class EmailBodyOut(Out):
    merchant_authored: bool = False
    text: str | None = None
    html: str | None = None
    failure_code: Literal["send_failed"] | None = None
    failure_reason: str | None = None


def _failure(email: EmailLog) -> dict:
    if email.status != EmailLog.Status.FAILED:
        return {"failure_code": None, "failure_reason": None}
    return {
        "failure_code": "send_failed",
        "failure_reason": email.failure_reason or "The mail server refused the message.",
    }


def email_log_item(email: EmailLog) -> dict:
    return {
        "email_log_id": email.pk,
        "category": email.category,
        "email_type": email.email_type,
        "created_at": email.created_at,
        "status": email.status,
        "has_preview": email.category != EmailLog.Category.AUTH,
        "policies": {},
        "from": email.from_email,
        "recipient": email.recipient,
        "subject": email.subject,
        **_failure(email),
    }


def _customer_emails(request, customer_id: str):
    customer = get_scoped(Customer.objects.for_business(request.auth.business_id), customer_id)
    return EmailLog.objects.for_business(request.auth.business_id).filter(
        customer_id=customer.pk, status__in=SHOWN
    )


@router.get(
    "/customers/{customer_id}/emails",
    response={200: EmailLogListOut, **ERRORS},
    by_alias=True,
)
def list_customer_emails(request, customer_id: str, params: Query[PageParams]):
    """E-mails sent to this customer, newest first, with where each got to."""
    emails = _customer_emails(request, customer_id).order_by("-created_at", "-id")
    rows = page(emails, page_number=params.page_number, page_size=params.page_size)
    return {"items": [email_log_item(e) for e in rows]}


@router.get(
    "/customers/{customer_id}/emails/{email_log_id}/body",
    response={200: EmailBodyOut, **ERRORS},
)
def customer_email_body(request, customer_id: str, email_log_id: str):
    """The text of one e-mail as it was sent (null for sign-in e-mails)."""
    email = get_scoped(_customer_emails(request, customer_id), email_log_id)
    text = None if email.category == EmailLog.Category.AUTH else email.body
    return {"text": text, **_failure(email)}
