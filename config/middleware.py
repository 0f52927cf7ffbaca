"""Rules that hold for every URL.

- A NUL character in the path is a 404: no ID, token or slug contains one, and
  PostgreSQL cannot even compare text holding it. One check here covers every
  `<str:…>` in every URLconf, including the ones added later.
- Under `/api/`, every answer is JSON `{code, message}`, whatever produced it: a
  body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is a 413 before anything reads it, and an
  error page rendered outside django-ninja (the CSRF failure page, a 405 from the
  router, Django's 404 and 500 pages) is replaced by its JSON equivalent.
- Every answer that sets no Cache-Control of its own is `private, no-store`.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

API_PREFIX = "/api/"

CODES = {
    400: "INVALID_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
}
MESSAGES = {
    403: "Forbidden.",
    404: "No such API endpoint.",
    405: "Method not allowed here.",
    413: "The request body is too large.",
    429: "Too many requests; retry after the Retry-After delay.",
    500: "Something went wrong on our side.",
}


def api_error(status: int, message: str | None = None, code: str | None = None) -> JsonResponse:
    return JsonResponse(
        {
            "code": code or CODES.get(status, "INVALID_REQUEST"),
            "message": message or MESSAGES.get(status, "Invalid request."),
        },
        status=status,
    )


def body_too_large(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django refuses a malformed length itself (400)
    return limit is not None and length > limit


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        api = request.path_info.startswith(API_PREFIX)
        if "\x00" in request.path_info:
            if api:
                return api_error(404)
            raise Http404("NUL in the path")
        if api and body_too_large(request):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return api_error(413, f"The request body is over {limit:,} bytes.")
        response = self.get_response(request)
        if api and response.status_code >= 400 and not _is_json(response):
            replaced = api_error(response.status_code)
            for header, value in response.items():  # Allow, Retry-After, Vary, …
                if header.lower() not in ("content-type", "content-length"):
                    replaced[header] = value
            return replaced
        return response


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every answer that does not set its own:
    dashboard pages, portal pages and PDFs, API JSON all carry customer data, which no
    shared cache or browser history may keep. Public assets (static files, a portal's
    brand stylesheet and logo) set their own and are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
