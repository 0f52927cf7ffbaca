"""Notes and tags: every change is one function, one transaction, one Event.

Who may do what (checked here, so the dashboard and any later interface agree):
- notes: any owner or admin writes them; the author edits and deletes their own;
  owners and admins may also delete another member's note (moderation: a note can
  hold what should not be kept), never edit it — a note says what its author wrote.
  Viewers write nothing (the views refuse them first).
- tags: owners and admins create, rename, recolour, delete, and tag customers.

Each Event carries the customer (`customer_id`), so it shows in that customer's
timeline; a tag's own changes are business-wide events.
"""

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.core.errors import DomainError
from customers.core.validation import text_problem
from customers.models import (
    NOTE_MAX_LENGTH,
    TAG_NAME_MAX_LENGTH,
    Business,
    Customer,
    CustomerTag,
    Membership,
    Note,
    Tag,
    TagColor,
)


class InvalidNote(DomainError):
    code = "INVALID_NOTE"
    status = 422


class NoteNotYours(DomainError):
    code = "NOTE_NOT_YOURS"
    status = 403
    default_message = _("Only the note's author can change it.")


class InvalidTag(DomainError):
    code = "INVALID_TAG"
    status = 422


class TagNameTaken(InvalidTag):
    code = "TAG_ALREADY_EXISTS"
    status = 409
    default_message = _("A tag with this name already exists.")


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidNote(_("Write something in the note."))
    if len(body) > NOTE_MAX_LENGTH:
        raise InvalidNote(
            _("A note can be at most %(max)s characters long.") % {"max": NOTE_MAX_LENGTH}
        )
    if text_problem(body):
        raise InvalidNote(_("Remove the invalid characters (NUL or broken Unicode)."))
    return body


def note_create(*, customer: Customer, author, body: str) -> Note:
    body = _clean_body(body)
    with transaction.atomic():
        note = Note.objects.create(
            business_id=customer.business_id,
            customer=customer,
            author=author,
            author_label=author.get_username(),
            body=body,
        )
        event_record(note, type="note.created", actor=Actor.user(author), payload={"body": body})
    return note


def note_update(*, note: Note, user, body: str) -> Note:
    """The author's edit of their own note."""
    if note.author_id != user.pk:
        raise NoteNotYours()
    body = _clean_body(body)
    if body == note.body:
        return note
    with transaction.atomic():
        old = note.body
        note.body = body
        note.save(update_fields=["body", "updated_at"])
        event_record(
            note, type="note.updated", actor=Actor.user(user), payload={"changes": [old, body]}
        )
    return note


def note_delete(*, note: Note, user, membership: Membership) -> None:
    """The author deletes their note; owners and admins may delete anyone's."""
    if note.author_id != user.pk and not membership.can_edit:
        raise NoteNotYours(_("Only the note's author or an owner or admin can delete it."))
    with transaction.atomic():
        event_record(
            note,
            type="note.deleted",
            actor=Actor.user(user),
            payload={"author": note.author_label, "body": note.body},
        )
        note.delete()


# --- tags --------------------------------------------------------------------


def _clean_tag(business: Business, name: str, color: str, exclude_id: str = "") -> tuple:
    name = " ".join((name or "").split())  # no leading, trailing or doubled spaces
    if not name:
        raise InvalidTag(_("Give the tag a name."))
    if len(name) > TAG_NAME_MAX_LENGTH:
        raise InvalidTag(
            _("A tag name can be at most %(max)s characters long.") % {"max": TAG_NAME_MAX_LENGTH}
        )
    if text_problem(name):
        raise InvalidTag(_("Remove the invalid characters (NUL or broken Unicode)."))
    if color not in TagColor.values:
        raise InvalidTag(_("Choose one of the palette's colours."))
    taken = (
        Tag.objects.for_business(business)
        .alias(name_lower=Lower("name"))
        .filter(name_lower=name.lower())
        .exclude(pk=exclude_id)
    )
    if taken.exists():
        raise TagNameTaken()
    return name, color


def tag_create(*, business: Business, actor: Actor, name: str, color: str) -> Tag:
    name, color = _clean_tag(business, name, color)
    try:
        with transaction.atomic():
            tag = Tag.objects.create(business=business, name=name, color=color)
            event_record(
                tag, type="tag.created", actor=actor, payload={"name": name, "color": color}
            )
    except IntegrityError as exc:  # a concurrent create of the same name won
        raise TagNameTaken() from exc
    return tag


def tag_update(*, tag: Tag, actor: Actor, name: str, color: str) -> Tag:
    """Rename and/or recolour a tag."""
    name, color = _clean_tag(tag.business, name, color, exclude_id=tag.pk)
    diff = {
        field: [getattr(tag, field), value]
        for field, value in (("name", name), ("color", color))
        if getattr(tag, field) != value
    }
    if not diff:
        return tag
    try:
        with transaction.atomic():
            for field, (_old, new) in diff.items():
                setattr(tag, field, new)
            tag.save(update_fields=list(diff))
            event_record(tag, type="tag.updated", actor=actor, payload={"changes": diff})
    except IntegrityError as exc:
        raise TagNameTaken() from exc
    return tag


def tag_delete(*, tag: Tag, actor: Actor) -> int:
    """Delete a tag and take it off every customer; returns how many had it."""
    with transaction.atomic():
        removed, _detail = (
            CustomerTag.objects.for_business(tag.business_id).filter(tag=tag).delete()
        )
        event_record(
            tag, type="tag.deleted", actor=actor, payload={"name": tag.name, "customers": removed}
        )
        tag.delete()
    return removed


def customer_tags_add(*, tag: Tag, customer_ids: list[str], actor: Actor) -> list[str]:
    """Put `tag` on those of the tag's business's customers (IDs, already checked to be
    theirs) that lack it; one Event per customer tagged. Returns the customers tagged.
    Safe twice: a customer who has the tag is left alone."""
    with transaction.atomic():
        had = set(
            CustomerTag.objects.for_business(tag.business_id)
            .filter(tag=tag, customer_id__in=customer_ids)
            .values_list("customer_id", flat=True)
        )
        new = [pk for pk in dict.fromkeys(customer_ids) if pk not in had]
        CustomerTag.objects.bulk_create(
            [CustomerTag(business_id=tag.business_id, customer_id=pk, tag=tag) for pk in new],
            ignore_conflicts=True,
        )
        for pk in new:
            _tag_event(tag, pk, "customer.tag_added", actor)
    return new


def customer_tags_remove(*, tag: Tag, customer_ids: list[str], actor: Actor) -> list[str]:
    """Take `tag` off those customers; one Event per customer it was on."""
    with transaction.atomic():
        rows = CustomerTag.objects.for_business(tag.business_id).filter(
            tag=tag, customer_id__in=customer_ids
        )
        had = list(rows.values_list("customer_id", flat=True))
        rows.filter(customer_id__in=had).delete()
        for pk in had:
            _tag_event(tag, pk, "customer.tag_removed", actor)
    return had


def _tag_event(tag: Tag, customer_id: str, type: str, actor: Actor) -> None:
    """An Event about the customer (object and timeline), naming the tag."""
    subject = Customer(pk=customer_id, business_id=tag.business_id)
    event_record(subject, type=type, actor=actor, payload={"tag_id": tag.pk, "tag": tag.name})
