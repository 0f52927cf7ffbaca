from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import NOTE_MAX_LENGTH, TAG_NAME_MAX_LENGTH, TagColor


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Write a note for your team…")}),
    )


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag name"), max_length=TAG_NAME_MAX_LENGTH)
    color = forms.ChoiceField(label=_("Colour"), choices=TagColor.choices, initial=TagColor.BLUE)


class TagPickForm(forms.Form):
    """One of the business's tags, by ID."""

    tag = forms.ChoiceField(label=_("Tag"))

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.tags = {tag.pk: tag for tag in tags}
        self.fields["tag"].choices = [(tag.pk, tag.name) for tag in tags]

    @property
    def chosen(self):
        return self.tags[self.cleaned_data["tag"]]
