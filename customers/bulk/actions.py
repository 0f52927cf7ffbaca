"""What a bulk action does to one batch of customers, by name.

Each action takes the job, a batch of customer IDs (the job's business's, checked)
and the actor, does its work through the area's own service (one Event per
customer), and returns how many customers it changed. Areas above this one (the
portal's invite) register theirs with `bulk_action` when their app is ready, so this
module never imports upward.
"""

from collections.abc import Callable

from customers.audit import Actor
from customers.models import BulkJob
from customers.notes.services import customer_tags_add, customer_tags_remove

BatchAction = Callable[[BulkJob, list[str], Actor], int]
ACTIONS: dict[str, BatchAction] = {}


def bulk_action(name: str) -> Callable[[BatchAction], BatchAction]:
    def register(action: BatchAction) -> BatchAction:
        ACTIONS[name] = action
        return action

    return register


@bulk_action(BulkJob.Action.TAG_ADD)
def tag_add(job: BulkJob, customer_ids: list[str], actor: Actor) -> int:
    return len(customer_tags_add(tag=job.tag, customer_ids=customer_ids, actor=actor))


@bulk_action(BulkJob.Action.TAG_REMOVE)
def tag_remove(job: BulkJob, customer_ids: list[str], actor: Actor) -> int:
    return len(customer_tags_remove(tag=job.tag, customer_ids=customer_ids, actor=actor))
