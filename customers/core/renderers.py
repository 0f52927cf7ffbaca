"""The form renderer: widgets drawn by Jinja2 (Django's own widget templates for it).

The customer table's filter panel draws a dozen widgets on every page, each one a
template render; through Django templates they took about 2 ms of a first page's
15 ms of CPU, through Jinja2 a fraction of that (README, "Benchmarks"). Pages and
fragments stay Django templates; only widgets change engine.
"""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


class FormRenderer(Jinja2):
    """Jinja2 first; a widget that ships only a Django template (a third-party one)
    falls back to it."""

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
