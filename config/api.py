"""The one NinjaAPI: `/api`, wire-compatible with Dodo Payments' public API.

Auth, rate limiting and the error format live here; the routes live in each app's
`api.py`. OpenAPI 3.1 at `/api/openapi.json`, Swagger UI at `/api/docs` (served
from django-ninja's own static files, so it works under our CSP). The docs lead
with what a developer needs; operator settings (rate limits, caps, rates) are in
the README.
"""

import functools
import logging
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from customers.accounts.api_keys import api_key_authenticate
from customers.api import (
    customers,
    emails,
    invoices,
    license_keys,
    payment_methods,
    payments,
    plan_changes,
    refunds,
    subscriptions,
    webhooks,
)
from customers.core.errors import ApiRateLimited, DomainError, ReadOnlyApiKey
from customers.core.ratelimit import Verdict, client_ip, ip_bucket, take, take_all
from portal import api as portal_api
from wallets import api as wallets_api
from wallets.credits import api as credits_api

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

DESCRIPTION = """
Manage your customers, their portal sessions and wallets from your own code. The API
speaks the customers subset of
[Dodo Payments' public API](https://docs.dodopayments.com/api-reference/introduction),
so the official clients work against it unchanged.

**Base URL** `https://YOUR-HUB-HOST/api` (this server: `/api`).

**Authentication** Create a key in *Settings → API keys* and send it as
`Authorization: Bearer <key>`. Missing, unknown and revoked keys get `401`; a
read-only key that tries to write gets `403`. `/licenses/*` and `/invoices/*` need
no key.

**Try it**

```bash
curl https://YOUR-HUB-HOST/api/customers?page_size=5 \\
  -H "Authorization: Bearer $HUB_API_KEY"
```

```python
from dodopayments import DodoPayments  # pip install dodopayments

client = DodoPayments(bearer_token=HUB_API_KEY, base_url="https://YOUR-HUB-HOST/api")
customer = client.customers.create(email="ada@example.com", name="Ada Lovelace")
for c in client.customers.list(page_size=50):  # follows the pages for you
    print(c.customer_id, c.email)
```

**Errors** are JSON: `{"code": "UPPER_SNAKE", "message": "..."}`. `422` names the
field that is wrong (`INVALID_REQUEST_BODY`, `INVALID_REQUEST_PARAMETERS`); a
business rule refusal carries its own code (`INSUFFICIENT_WALLET_FUNDS`,
`REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT`, …) and `x-should-retry: false`; another
business's object is `404`. Text fields refuse NUL characters and lone surrogates
(`\\udfff`) with a 422; a body over 2.5 MB is `413 REQUEST_TOO_LARGE`; any path or
method the API does not serve is `404 NOT_FOUND` / `405 METHOD_NOT_ALLOWED`, in the
same JSON shape.

**Rate limits** Per key: 240 requests in any 60 seconds, shared by every server.
The key-less endpoints (`/licenses/*`, `/invoices/*`) are limited per client IP:
100 a minute and 20 a second. Every answer
carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds
until the whole limit is available again). Over a limit: `429 TOO_MANY_REQUESTS` with
`Retry-After` (seconds until a request is admitted again).

**Webhooks** Register endpoints with `client.webhooks.create(url=...)` (or *Settings →
Webhooks*); deliveries are signed with Standard Webhooks and verify with
`client.webhooks.unwrap(body, headers=..., key=secret)`. Every event type and its
payload is listed in this schema's `webhooks` section.

**Pagination** `page_number` starts at 0, `page_size` is 1–100 (default 10); lists are
newest first and return `{"items": [...]}` with no total. An empty page is the end.
Deep pages are capped: to go further back, narrow with `created_at_lte`.

**Where the contract is silent**
- `GET /customers?email=` is an exact, case-insensitive match; creating a customer
  with an e-mail in use is `409 CUSTOMER_ALREADY_EXISTS`.
- Unknown body keys are ignored; `null` in a customer PATCH clears `phone_number`,
  `metadata` and `preferred_locale`.
- Wallets list every supported currency (USD, INR), 0 when unused; API ledger
  entries are `merchant_adjustment`; a replayed idempotency key returns the wallet
  as it is now.
- Refunds go to the original payment method; `items` holds at most the payment's
  one product.
- Subscriptions: `status: cancelled` cancels now; `cancel_at_next_billing_date`
  schedules or revokes a cancellation; other updates are `422`.
- `POST /licenses/validate` answers `{"valid": false}` (200) for unknown, disabled
  and expired keys.
- Not modelled, sent as constants: `brand_id` (the business ID), `payment_provider`
  (`"dodo"`), `disputes` (`[]`), `blocked_at` (null).
- A query parameter an operation does not declare is `422`.
"""


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; also applies the per-key rate limit and the
    read-only rule, so every authenticated route gets them."""

    def authenticate(self, request: HttpRequest, token: str):
        key = api_key_authenticate(token.strip())
        if key is None:
            return None
        verdict = take(
            f"api:{key.pk}", limit=settings.API_RATE_LIMIT, window=settings.API_RATE_WINDOW
        )
        request.rate_limit = verdict
        if not verdict.allowed:
            raise ApiRateLimited(verdict.retry_after)
        if key.read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyApiKey()
        return key


class CustomerHubApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The paths, and under `webhooks` every event type we POST with its payload.

        Built once per prefix (about 0.5 s each time before): the routes do not change
        while the process runs."""
        if path_params:
            return self._schema_with_webhooks(path_prefix=path_prefix, path_params=path_params)
        cache = self.__dict__.setdefault("_schema_cache", {})
        if path_prefix not in cache:
            cache[path_prefix] = self._schema_with_webhooks(path_prefix=path_prefix)
        return cache[path_prefix]

    def _schema_with_webhooks(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema["webhooks"] = webhooks.openapi_webhooks()
        return schema

    def get_openapi_operation_id(self, operation) -> str:
        """`<app>_api_<handler>` (e.g. `customers_api_list_customers`), whichever module of
        the app's API holds the handler: clients generated from the schema keep their
        method names when a router moves."""
        app = operation.view_func.__module__.split(".")[0]
        return f"{app}_api_{operation.view_func.__name__}"


api = CustomerHubApi(
    title="Customer Hub API",
    version="1.0.0",
    description=DESCRIPTION + webhooks.DESCRIPTION,
    auth=ApiKeyAuth(),
    # Models collapsed: the operations are what a developer opens the page for.
    docs=Swagger(settings={"persistAuthorization": False, "defaultModelsExpandDepth": -1}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)


def error(request, status: int, code: str, message, headers=None) -> JsonResponse:
    response = JsonResponse({"code": code, "message": str(message)}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "filters")]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = first.get("loc", ())
    where = loc[0] if loc else "body"
    code = "INVALID_REQUEST_BODY" if where == "body" else "INVALID_REQUEST_PARAMETERS"
    message = first.get("msg", "Invalid request.")
    message = message.removeprefix("Value error, ")
    return error(request, 422, code, f"{_field(loc)}: {message}")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400:  # ninja: the body is not JSON
        return error(request, 422, "INVALID_REQUEST_BODY", "body: malformed JSON")
    return error(request, exc.status_code, "INVALID_REQUEST", exc)


@api.exception_handler(AuthenticationError)
def on_unauthorized(request, exc):
    return error(request, 401, "UNAUTHORIZED", "Missing, unknown or revoked API key.")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, "NOT_FOUND", "Not found.")


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    headers = {}
    if isinstance(exc, ApiRateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    elif 400 <= exc.status < 500:
        headers["x-should-retry"] = "false"
    return error(request, exc.status, exc.code, exc.message, headers)


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc: DjangoValidationError):
    code = "MAXIMUM_KEYS_REACHED" if exc.code == "MAXIMUM_KEYS_REACHED" else "INVALID_REQUEST_BODY"
    message = exc.messages[0] if exc.messages else "Invalid request."
    return error(request, 422, code, message, {"x-should-retry": "false"})


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc):
    """A body without a Content-Length that grows past the limit while read (the
    request guard refuses the ones that announce their size)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error(request, 413, "REQUEST_TOO_LARGE", f"The request body is over {limit:,} bytes.")


@api.exception_handler(Exception)
def on_server_error(request, exc: Exception):
    logger.exception("API error on %s %s", request.method, request.path)
    return error(request, 500, "INTERNAL_SERVER_ERROR", "Something went wrong on our side.")


@functools.cache
def _query_names() -> dict[tuple[str, str], frozenset[str]]:
    """(METHOD, OpenAPI path) → the query parameters the operation declares."""
    names = {}
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            names[(method.upper(), path)] = frozenset(declared)
    return names


def _openapi_route(request) -> str:
    """The request's operation path as the OpenAPI schema writes it (`/customers/{id}`)."""
    match = request.resolver_match
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", match.route) if match else ""


def reject_unknown_query_parameters(run):
    """A query parameter the operation does not declare is a 422, not silently ignored:
    a typo in a filter must not return an unfiltered list."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        route = _openapi_route(request)
        declared = _query_names().get((request.method, route))
        repeated = sorted(name for name in request.GET if len(request.GET.getlist(name)) > 1)
        if repeated:  # no parameter takes a list this way (the client joins with commas)
            return error(
                request,
                422,
                "INVALID_REQUEST_PARAMETERS",
                f"{repeated[0][:40]}: given more than once",
            )
        if declared is not None:
            unknown = sorted(set(request.GET) - declared)
            if unknown:
                return error(
                    request,
                    422,
                    "INVALID_REQUEST_PARAMETERS",
                    f"{unknown[0][:40]}: unknown query parameter",
                )
        return run(request, *args, **kwargs)

    return wrapper


api.add_decorator(reject_unknown_query_parameters, mode="view")


@functools.cache
def _public_routes() -> frozenset[tuple[str, str]]:
    """(METHOD, OpenAPI path) of the operations that need no key."""
    return frozenset(
        (method.upper(), path)
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method, operation in operations.items()
        if not operation.get("security")
    )


def rate_limited(run):
    """Key-less operations count per client IP (`PUBLIC_API_RATE_LIMITS`); keyed ones
    were counted per key by `ApiKeyAuth`. Either way the answer says where it stands."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        if (request.method, _openapi_route(request)) in _public_routes():
            bucket = ip_bucket(client_ip(request))
            verdict = take_all(
                [
                    (f"api-ip:{bucket}", limit, window)
                    for limit, window in settings.PUBLIC_API_RATE_LIMITS
                ]
            )
            request.rate_limit = verdict
            if not verdict.allowed:
                response = error(
                    request,
                    429,
                    "TOO_MANY_REQUESTS",
                    "Too many requests from this address; retry after the Retry-After delay.",
                    {"Retry-After": str(verdict.retry_after)},
                )
                return _with_limit_headers(response, verdict)
        response = run(request, *args, **kwargs)
        verdict = getattr(request, "rate_limit", None)
        return _with_limit_headers(response, verdict) if verdict else response

    return wrapper


def _with_limit_headers(response, verdict: Verdict):
    response["X-RateLimit-Limit"] = str(verdict.limit)
    response["X-RateLimit-Remaining"] = str(verdict.remaining)
    response["X-RateLimit-Reset"] = str(verdict.reset)
    return response


api.add_decorator(rate_limited, mode="view")


@csrf_exempt  # a POST to a wrong path is a 404 too, not the CSRF failure page
def not_found(request, rest=""):
    """Any other path under /api/, whatever the method: the JSON 404."""
    return JsonResponse({"code": "NOT_FOUND", "message": "No such API endpoint."}, status=404)


api.add_router("", customers.router)
api.add_router("", payment_methods.router)
api.add_router("", portal_api.router)
api.add_router("", wallets_api.router)
api.add_router("", credits_api.router)
api.add_router("", payments.router)
api.add_router("", refunds.router)
api.add_router("", subscriptions.router)
api.add_router("", plan_changes.router)
api.add_router("", emails.router)
api.add_router("", license_keys.router)
api.add_router("", license_keys.public_router)
api.add_router("", invoices.router)
api.add_router("", webhooks.router)
