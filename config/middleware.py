"""Site-wide response rules."""

from django.utils.cache import patch_cache_control


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
