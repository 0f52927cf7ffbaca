"""Settings → Webhooks: endpoints (add, edit, disable, delete), their secret (reveal,
rotate), a test event, and each endpoint's delivery log with Replay. Owners and
admins only, as Settings → API keys; another business's endpoint is a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.accounts.permissions import editor_required
from customers.audit import Actor
from customers.core.errors import InvalidWebhookEndpoint
from customers.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from customers.webhooks import services
from customers.webhooks.forms import EndpointForm, LogFilterForm

LOG_LIMIT = 100  # attempts shown, newest first


def _endpoint(request, endpoint_id: str) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.for_business(request.business).select_related("business"),
        pk=endpoint_id,
    )


def _initial(endpoint: WebhookEndpoint) -> dict:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "filter_types": endpoint.filter_types,
        "disabled": endpoint.disabled,
    }


def _save(form, request, endpoint=None):
    """Create or update from a valid form; False (with the error on the form) if refused."""
    data = form.cleaned_data
    actor = Actor.user(request.user)
    try:
        if endpoint is None:
            return services.webhook_endpoint_create(business=request.business, actor=actor, **data)
        return services.webhook_endpoint_update(endpoint=endpoint, actor=actor, changes=data)
    except InvalidWebhookEndpoint as exc:
        field, _sep, message = str(exc.message).partition(": ")
        form.add_error(field if field in form.fields else None, message or str(exc.message))
        return False


@never_cache
@editor_required
def webhook_list(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (created := _save(form, request)):
        messages.success(request, _("Endpoint added. Its signing secret is on its page."))
        return redirect("webhook_detail", endpoint_id=created.pk)
    endpoints = list(WebhookEndpoint.objects.for_business(request.business).order_by("id")[:200])
    return render(request, "customers/webhooks.html", {"form": form, "endpoints": endpoints})


@never_cache
@editor_required
def webhook_detail(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    form = EndpointForm(request.POST or None, initial=_initial(endpoint))
    if request.method == "POST" and form.is_valid() and _save(form, request, endpoint):
        messages.success(request, _("Endpoint saved."))
        return redirect("webhook_detail", endpoint_id=endpoint.pk)
    return _detail(request, endpoint, form)


def _detail(request, endpoint: WebhookEndpoint, form: EndpointForm, secret: str = ""):
    filters = LogFilterForm(request.GET or None)
    attempts = WebhookAttempt.objects.filter(endpoint=endpoint).select_related("delivery")
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            attempts = attempts.filter(succeeded=filters.cleaned_data["status"] == "succeeded")
        if filters.cleaned_data["type"]:
            attempts = attempts.filter(event_type=filters.cleaned_data["type"])
    context = {
        "endpoint": endpoint,
        "form": form,
        "filters": filters,
        "attempts": list(attempts.order_by("-attempted_at", "-id")[:LOG_LIMIT]),
        "log_limit": LOG_LIMIT,
        "secret": secret,
    }
    return render(request, "customers/webhook_detail.html", context)


@never_cache
@editor_required
@require_POST
def webhook_secret(request, endpoint_id):
    """Reveal the secret: the answer to this POST shows it (it is never put in the
    session, a URL or a log). With `rotate`, make a new one and go back to the page."""
    endpoint = _endpoint(request, endpoint_id)
    if request.POST.get("rotate"):
        services.webhook_secret_rotate(endpoint=endpoint, actor=Actor.user(request.user))
        messages.success(
            request,
            _("New secret made. The previous one also signs for 24 hours. Reveal it to copy it."),
        )
        return redirect("webhook_detail", endpoint_id=endpoint.pk)
    return _detail(request, endpoint, EndpointForm(initial=_initial(endpoint)), endpoint.secret)


@editor_required
@require_POST
def webhook_test(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    services.webhook_test_send(endpoint=endpoint, actor=Actor.user(request.user))
    messages.success(request, _("Test event queued; its attempt shows in the log below."))
    return redirect("webhook_detail", endpoint_id=endpoint.pk)


@editor_required
@require_POST
def webhook_delete(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    services.webhook_endpoint_delete(endpoint=endpoint, actor=Actor.user(request.user))
    messages.success(request, _("Endpoint deleted."))
    return redirect("webhook_list")


@editor_required
@require_POST
def webhook_replay(request, endpoint_id, delivery_id):
    endpoint = _endpoint(request, endpoint_id)
    delivery = get_object_or_404(
        WebhookDelivery.objects.for_business(request.business).filter(endpoint=endpoint),
        pk=delivery_id,
    )
    services.webhook_delivery_replay(delivery=delivery, actor=Actor.user(request.user))
    messages.success(request, _("Message queued again, with the same webhook-id."))
    return redirect("webhook_detail", endpoint_id=endpoint.pk)
