"""The one NinjaAPI: `/api`, wire-compatible with Dodo Payments' public API.

Auth, rate limiting and the error format live here; the routes live in each app's
`api.py`. OpenAPI 3.1 at `/api/openapi.json`, Swagger UI at `/api/docs` (served
from django-ninja's own static files, so it works under our CSP).
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
    invoices,
    license_keys,
    payments,
    refunds,
    subscriptions,
    webhooks,
)
from customers.core.errors import ApiRateLimited, DomainError, ReadOnlyApiKey
from customers.core.ratelimit import Verdict, client_ip, ip_bucket, take, take_all
from portal import api as portal_api
from wallets import api as wallets_api

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

DESCRIPTION = """
The Customer Hub API speaks the customers subset of
[Dodo Payments' public API](https://docs.dodopayments.com/api-reference/introduction):
the official `dodopayments` client works with `base_url="https://HOST/api"`.

**Auth.** `Authorization: Bearer <key>` with a key from *Settings → API keys* (or
`manage.py create_api_key`). Unknown, revoked and malformed keys get the same
`401 UNAUTHORIZED`; a read-only key that tries to write gets `403 FORBIDDEN`.
`/licenses/*` and `/invoices/*` need no key and ignore the header (an invoice
needs the owning business's key or the signed `token` from `invoice_url`).

**Rate limits.** Per key: 240 requests in any 60 seconds by default
(`API_RATE_LIMIT`, `API_RATE_WINDOW`), counted in a sliding window shared by every
server. The key-less endpoints (`/licenses/*`, `/invoices/*`) are limited per client
IP: 100 requests a minute and 20 a second (`PUBLIC_API_RATE_LIMITS`). Every answer
carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds
until the whole limit is available again). Over a limit: `429 TOO_MANY_REQUESTS`
with `Retry-After` (seconds until a request is admitted again).

**Errors** are always `{"code": "UPPER_SNAKE", "message": "..."}`. Schema and
type errors are `422` (`INVALID_REQUEST_BODY` for the body,
`INVALID_REQUEST_PARAMETERS` for query and path), with a message that names the
field; malformed JSON is `422 INVALID_REQUEST_BODY` too. Business-rule refusals
carry their contract code (`INSUFFICIENT_WALLET_FUNDS`,
`REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT`, …) and the header `x-should-retry: false`
so the client does not retry them. Another business's object is `404 NOT_FOUND`.
Text fields refuse NUL characters and lone surrogates (`\\udfff`) with a 422; a
body over 2.5 MB is `413 REQUEST_TOO_LARGE`; any path or method the API does not
serve is `404 NOT_FOUND` / `405 METHOD_NOT_ALLOWED`, in the same JSON shape.

**Pagination.** `page_number` is zero-based (default 0); `page_size` is 1–100
(default 10) — values outside are rejected with 422, not clamped. Lists are newest
first in a total order (`created_at` then ID, both descending) and return
`{"items": [...]}` only, with no total count. A page past the end is
`{"items": []}`. OFFSET is capped at 10,000 rows (`API_OFFSET_CAP`): pages that
start beyond it are empty; narrow with `created_at_lte` to go further back.

**Choices where the contract is silent.**
- `GET /customers?email=` is an exact, case-insensitive match. `POST /customers`
  with an e-mail already in use is `409 CUSTOMER_ALREADY_EXISTS`.
- Unknown keys in request bodies are ignored. `null` in a customer PATCH clears
  `phone_number`, `metadata` (to `{}`) and `preferred_locale`; `name` and `email`
  cannot be null.
- Wallets: every configured currency (USD, INR) is listed, balance 0 if unused;
  `total_balance_usd` converts at the integer micro-rates in `USD_PER_CURRENCY`
  (1 INR = 0.012 USD by default), rounding each wallet down to the cent. API
  ledger entries are `merchant_adjustment`; ledger entry IDs start `wle_`; other
  currencies are `422`; an idempotent replay returns the wallet as it is now.
- Refunds go to the original payment method. Payments here have one product, so
  `items` holds at most that product; see `POST /refunds`.
- Subscriptions: `status: cancelled` cancels now, `cancel_at_next_billing_date`
  schedules (`true`) or revokes (`false`) a cancellation; pausing and the other
  update fields are not supported (`422`).
- `POST /licenses/validate` answers `{"valid": false}` (200) for unknown, disabled
  and expired keys, and for an instance that is not the key's.
- Concepts we do not model are sent as constants: `brand_id` is the business ID,
  `payment_provider` is `"dodo"`, `disputes` is `[]`, `billing.country` follows the
  currency, `blocked_at` is null.
- Read-only keys get `403 FORBIDDEN`.
- A query parameter an operation does not declare is `422` (a mistyped filter must
  not silently return the unfiltered list).
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
    def get_openapi_operation_id(self, operation) -> str:
        """`<app>_api_<handler>` (e.g. `customers_api_list_customers`), whichever module of
        the app's API holds the handler: clients generated from the schema keep their
        method names when a router moves."""
        app = operation.view_func.__module__.split(".")[0]
        return f"{app}_api_{operation.view_func.__name__}"

    def get_openapi_schema(self, *args, **kwargs):
        """The paths, and under `webhooks` every event type we POST with its payload."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["webhooks"] = webhooks.openapi_webhooks()
        return schema


api = CustomerHubApi(
    title="Customer Hub API",
    version="1.0.0",
    description=DESCRIPTION + webhooks.DESCRIPTION,
    auth=ApiKeyAuth(),
    docs=Swagger(settings={"persistAuthorization": False}),
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
api.add_router("", portal_api.router)
api.add_router("", wallets_api.router)
api.add_router("", payments.router)
api.add_router("", refunds.router)
api.add_router("", subscriptions.router)
api.add_router("", license_keys.router)
api.add_router("", license_keys.public_router)
api.add_router("", invoices.router)
api.add_router("", webhooks.router)
