"""A URLconf with one view that answers an HTML error under /api (for the guard's test)."""

from django.http import HttpResponse
from django.urls import path


def slow_down(request):
    response = HttpResponse("<h1>Slow down</h1>", status=429)
    response["Retry-After"] = "7"
    return response


urlpatterns = [path("api/slow-down", slow_down)]
