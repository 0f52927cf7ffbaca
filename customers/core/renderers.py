"""The form renderer: widgets drawn by Jinja2 (Django's own widget templates for it).

The customer table's filter panel draws a dozen widgets on every page, each one a
template render; through Django templates they took about 2 ms of a first page's
15 ms of CPU, through Jinja2 a fraction of that (README, "Benchmarks"). Pages and
fragments stay Django templates; only widgets change engine. Two of Django's widget
templates are replaced (templates/forms/): the select and the input, with their
attributes and options written inline rather than included one by one, each include
a new template context (a filter panel's dozen widgets made seventy).
"""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property

DJANGO_WIDGETS = Path(django.forms.__file__).parent / "jinja2"


class FormRenderer(Jinja2):
    """Jinja2 first; a widget that ships only a Django template (a third-party one)
    falls back to it."""

    @cached_property
    def engine(self):
        """Django's widget templates for Jinja2, with ours (templates/forms) first."""
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [settings.BASE_DIR / "templates" / "forms", DJANGO_WIDGETS],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
