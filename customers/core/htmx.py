"""The one partial switch: a page, or under HTMX only its fragment.

A page keeps its HTMX fragments inside itself as `{% partialdef name inline %}`
blocks (django-template-partials), so one template serves both answers.
"""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_page(request, template: str, fragment: str, context: dict, *, status: int = 200):
    """`template` for a normal request (and HTMX's history restore, which needs the
    whole page); `template#fragment` for any other HTMX request. `Vary: HX-Request`
    always, so a cache never hands one answer to the other kind of request."""
    name = template
    if request.htmx and not request.htmx.history_restore_request:
        name = f"{template}#{fragment}"
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
