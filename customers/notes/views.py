"""Notes on a customer, tags on a customer, and Settings → Tags.

Plain POST forms that redirect back (no JavaScript needed); an invalid note or tag
re-renders its form with the error and what was typed, and writes nothing.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.accounts.permissions import editor_required
from customers.audit import Actor
from customers.models import Note, Tag
from customers.notes import services
from customers.notes.forms import NoteForm, TagForm, TagPickForm
from customers.notes.selectors import business_tags
from customers.selectors import customer_get


def _notes_url(customer_id: str) -> str:
    return reverse("customers:detail", args=[customer_id]) + "#notes"


def _note_form_page(request, customer, form, note=None):
    context = {"customer": customer, "form": form, "note": note}
    return render(request, "customers/note_form.html", context)


@editor_required
@require_POST
def note_create(request, customer_id):
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_create(customer=customer, author=request.user, **form.cleaned_data)
        except services.InvalidNote as exc:
            form.add_error("body", exc.message)
        else:
            messages.success(request, _("Note added."))
            return redirect(_notes_url(customer.pk))
    return _note_form_page(request, customer, form)


def _own_note(request, customer_id, note_id):
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    notes = Note.objects.for_business(request.business).filter(customer=customer)
    return customer, get_object_or_404(notes, pk=note_id)


@editor_required
def note_edit(request, customer_id, note_id):
    customer, note = _own_note(request, customer_id, note_id)
    if note.author_id != request.user.pk:
        return _refused(request, _("Only the note's author can change it."))
    form = NoteForm(request.POST or None, initial={"body": note.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.note_update(note=note, user=request.user, **form.cleaned_data)
        except services.InvalidNote as exc:
            form.add_error("body", exc.message)
        else:
            messages.success(request, _("Note saved."))
            return redirect(_notes_url(customer.pk))
    return _note_form_page(request, customer, form, note)


@editor_required
@require_POST
def note_delete(request, customer_id, note_id):
    customer, note = _own_note(request, customer_id, note_id)
    try:
        services.note_delete(note=note, user=request.user, membership=request.membership)
    except services.NoteNotYours as exc:
        return _refused(request, exc.message)
    messages.success(request, _("Note deleted."))
    return redirect(_notes_url(customer.pk))


def _refused(request, message):
    return render(
        request, "error.html", {"title": _("Not allowed"), "message": message}, status=403
    )


@editor_required
@require_POST
def customer_tag_add(request, customer_id):
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    form = TagPickForm(request.POST, tags=business_tags(request.business))
    if form.is_valid():
        services.customer_tags_add(
            tag=form.chosen, customer_ids=[customer.pk], actor=Actor.user(request.user)
        )
        messages.success(request, _("Tag %(name)s added.") % {"name": form.chosen.name})
    else:
        messages.error(request, _("Choose one of your tags."))
    return redirect(_notes_url(customer.pk))


@editor_required
@require_POST
def customer_tag_remove(request, customer_id, tag_id):
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    tag = get_object_or_404(Tag.objects.for_business(request.business), pk=tag_id)
    services.customer_tags_remove(
        tag=tag, customer_ids=[customer.pk], actor=Actor.user(request.user)
    )
    messages.success(request, _("Tag %(name)s removed.") % {"name": tag.name})
    return redirect(_notes_url(customer.pk))


# --- Settings → Tags -----------------------------------------------------------


def _save_tag(request, form, tag=None):
    actor = Actor.user(request.user)
    try:
        if tag is None:
            return services.tag_create(business=request.business, actor=actor, **form.cleaned_data)
        return services.tag_update(tag=tag, actor=actor, **form.cleaned_data)
    except services.InvalidTag as exc:
        form.add_error("name", exc.message)
        return None


@editor_required
def tag_list(request):
    """Every tag of the business; create one here, rename, recolour or delete each."""
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save_tag(request, form):
        messages.success(request, _("Tag created."))
        return redirect("tag_list")
    tags = business_tags(request.business)
    rows = [
        (tag, TagForm(initial={"name": tag.name, "color": tag.color}, prefix=tag.pk))
        for tag in tags
    ]
    return render(request, "customers/tags.html", {"form": form, "rows": rows})


@editor_required
@require_POST
def tag_edit(request, tag_id):
    tag = get_object_or_404(Tag.objects.for_business(request.business), pk=tag_id)
    form = TagForm(request.POST, prefix=tag.pk)
    if form.is_valid() and _save_tag(request, form, tag):
        messages.success(request, _("Tag saved."))
        return redirect("tag_list")
    rows = [
        (
            row,
            form
            if row.pk == tag.pk
            else TagForm(initial={"name": row.name, "color": row.color}, prefix=row.pk),
        )
        for row in business_tags(request.business)
    ]
    return render(request, "customers/tags.html", {"form": TagForm(), "rows": rows})


@editor_required
@require_POST
def tag_delete(request, tag_id):
    tag = get_object_or_404(Tag.objects.for_business(request.business), pk=tag_id)
    removed = services.tag_delete(tag=tag, actor=Actor.user(request.user))
    messages.success(
        request,
        _("Tag %(name)s deleted (it was on %(count)s customers).")
        % {"name": tag.name, "count": removed},
    )
    return redirect("tag_list")
