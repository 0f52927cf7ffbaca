"""Every /portal/ page speaks the customer's language (portal.languages), not the
dashboard's: this runs after Django's LocaleMiddleware and overrides its choice there;
`portal_login_required` refines it once the customer is known."""

from django.utils.cache import patch_vary_headers

from portal import languages


class PortalLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(languages.COOKIE_PATH):
            return self.get_response(request)
        languages.activate(request)
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
