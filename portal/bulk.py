"""The portal's bulk action: invite each selected customer, by e-mail, through the one
invite service (a 24-hour session link and its Event per customer)."""

from customers.audit import Actor
from customers.bulk.actions import bulk_action
from customers.models import BulkJob, Customer
from portal.services import portal_session_create


@bulk_action(BulkJob.Action.INVITE)
def invite(job: BulkJob, customer_ids: list[str], actor: Actor) -> int:
    customers = Customer.objects.for_business(job.business).select_related("business")
    sent = 0
    for customer in customers.filter(pk__in=customer_ids).order_by("created_at", "pk"):
        portal_session_create(customer=customer, send_email=True, actor=actor)
        sent += 1
    return sent
