"""Notes on a customer: author, edit own, delete own (owners and admins any), an Event
each in the customer's timeline, bad input refused, other businesses invisible."""

import pytest
from django.urls import reverse

from customers.models import Event, Membership, Note
from customers.notes import services
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def detail(customer):
    return reverse("customers:detail", args=[customer.pk])


def add(client, customer, body):
    return client.post(reverse("customers:note_create", args=[customer.pk]), {"body": body})


def test_a_note_shows_on_the_details_page_with_its_author_and_an_event(
    owner_client, owner, customer
):
    response = add(owner_client, customer, "  Prefers e-mail over phone.  ")
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    note = Note.objects.get()
    assert note.body == "Prefers e-mail over phone." and note.author == owner
    event = Event.objects.get(type="note.created")
    assert event.customer_id == customer.pk and event.object_id == note.pk
    html = owner_client.get(detail(customer)).content.decode()
    assert "Prefers e-mail over phone." in html and owner.get_username() in html


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001, "bad\x00text"])
def test_empty_overlong_or_broken_notes_are_refused_and_nothing_is_written(
    owner_client, customer, body
):
    response = add(owner_client, customer, body)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Note.objects.exists() and not Event.objects.filter(type="note.created").exists()


def test_the_author_edits_their_note_and_the_change_is_recorded(owner_client, owner, customer):
    note = services.note_create(customer=customer, author=owner, body="first")
    url = reverse("customers:note_edit", args=[customer.pk, note.pk])
    assert owner_client.get(url).status_code == 200
    assert owner_client.post(url, {"body": "second"}).status_code == 302
    note.refresh_from_db()
    assert note.body == "second"
    assert Event.objects.get(type="note.updated").payload == {"changes": ["first", "second"]}


def test_another_member_cannot_edit_a_note_but_an_admin_may_delete_it(
    client, owner, business, customer
):
    note = services.note_create(customer=customer, author=owner, body="owner's note")
    admin = MembershipFactory(business=business, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    edit = reverse("customers:note_edit", args=[customer.pk, note.pk])
    assert client.post(edit, {"body": "changed"}).status_code == 403
    note.refresh_from_db()
    assert note.body == "owner's note"
    delete = reverse("customers:note_delete", args=[customer.pk, note.pk])
    assert client.post(delete).status_code == 302
    assert not Note.objects.exists()
    event = Event.objects.get(type="note.deleted")
    assert event.customer_id == customer.pk and event.payload["body"] == "owner's note"


def test_a_viewer_reads_notes_but_writes_none(viewer_client, owner, customer):
    note = services.note_create(customer=customer, author=owner, body="visible to viewers")
    html = viewer_client.get(detail(customer)).content.decode()
    assert "visible to viewers" in html and 'name="body"' not in html
    assert add(viewer_client, customer, "viewer note").status_code == 403
    delete = reverse("customers:note_delete", args=[customer.pk, note.pk])
    assert viewer_client.post(delete).status_code == 403
    assert Note.objects.count() == 1


def test_another_businesss_customer_and_notes_are_404(owner_client, other_business):
    stranger = CustomerFactory(business=other_business)
    author = MembershipFactory(business=other_business).user
    note = services.note_create(customer=stranger, author=author, body="secret")
    assert add(owner_client, stranger, "hello").status_code == 404
    for name in ("customers:note_edit", "customers:note_delete"):
        assert owner_client.post(reverse(name, args=[stranger.pk, note.pk])).status_code == 404
    assert Note.objects.count() == 1


def test_a_note_id_under_another_customer_is_404(owner_client, owner, business, customer):
    other = CustomerFactory(business=business)
    note = services.note_create(customer=other, author=owner, body="on the other one")
    url = reverse("customers:note_delete", args=[customer.pk, note.pk])
    assert owner_client.post(url).status_code == 404
