"""Dashboard views for payment methods and dunning: a customer's saved methods (make
default, remove), a subscription's recovery (retry now, stop), and the Recovery page
(subscriptions in dunning, amounts at risk and recovered, the recovery window)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from customers.accounts.permissions import business_required, editor_required
from customers.audit import Actor, event_record
from customers.billing import dunning, payment_methods, recovery
from customers.billing.gateway import get_gateway
from customers.core.errors import DomainError
from customers.models import (
    RECOVERY_WINDOW_MAX,
    RECOVERY_WINDOW_MIN,
    Dunning,
    SavedPaymentMethod,
)
from customers.selectors import customer_get
from customers.views import detail_tab_url

PAGE_SIZE = 25


def _method(request, customer_id, payment_method_id) -> SavedPaymentMethod:
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    methods = SavedPaymentMethod.objects.for_business(request.business).usable()
    return get_object_or_404(methods, pk=payment_method_id, customer=customer)


@editor_required
@require_POST
def payment_method_default(request, customer_id, payment_method_id):
    method = _method(request, customer_id, payment_method_id)
    payment_methods.payment_method_set_default(
        payment_method=method, actor=Actor.user(request.user)
    )
    messages.success(request, _("%(method)s is now the default.") % {"method": method.label})
    return redirect("customers:detail", customer_id=customer_id)


@editor_required
@require_POST
def payment_method_remove(request, customer_id, payment_method_id):
    method = _method(request, customer_id, payment_method_id)
    payment_methods.payment_method_remove(
        payment_method=method, gateway=get_gateway(), actor=Actor.user(request.user)
    )
    messages.success(request, _("%(method)s removed.") % {"method": method.label})
    return redirect("customers:detail", customer_id=customer_id)


def _open_dunning(request, customer_id, subscription_id) -> Dunning:
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    runs = Dunning.objects.for_business(request.business).open().select_related("subscription")
    return get_object_or_404(runs, subscription_id=subscription_id, customer=customer)


def _back(request, customer_id):
    if request.POST.get("next") == "recovery":
        return redirect("customers:recovery")
    return redirect(detail_tab_url(customer_id, "subscriptions"))


@editor_required
@require_POST
def dunning_retry(request, customer_id, subscription_id):
    run = _open_dunning(request, customer_id, subscription_id)
    outcome = recovery.dunning_retry_now(
        dunning=run, gateway=get_gateway(), actor=Actor.user(request.user)
    )
    if outcome == "renewed":
        messages.success(request, _("Paid: the subscription is active again."))
    elif outcome == "failed":
        messages.error(request, _("The retry was declined."))
    else:
        messages.info(request, _("A charge is already in progress."))
    return _back(request, customer_id)


@editor_required
@require_POST
def dunning_stop(request, customer_id, subscription_id):
    run = _open_dunning(request, customer_id, subscription_id)
    try:
        dunning.dunning_stop(dunning=run, actor=Actor.user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recovery stopped: no more retries or reminders."))
    return _back(request, customer_id)


class RecoveryWindowForm(forms.Form):
    dunning_window_days = forms.IntegerField(
        label=gettext_lazy("Recovery window (days)"),
        min_value=RECOVERY_WINDOW_MIN,
        max_value=RECOVERY_WINDOW_MAX,
        help_text=gettext_lazy(
            "How long a failed renewal is retried before the subscription is cancelled (1–30)."
        ),
    )


def _totals(rows) -> list[dict]:
    return list(
        rows.values("currency")
        .annotate(amount=Sum("amount"), count=Count("id"))
        .order_by("currency")
    )


@business_required
def recovery_list(request):
    """Subscriptions in dunning (oldest retry first), what is at risk, and what was
    recovered since the start of this month (UTC)."""
    business = request.business
    form = RecoveryWindowForm(
        request.POST or None, initial={"dunning_window_days": business.dunning_window_days}
    )
    if request.method == "POST":
        if not request.membership.can_edit:
            return redirect("customers:recovery")
        if form.is_valid():
            old = business.dunning_window_days
            business.dunning_window_days = form.cleaned_data["dunning_window_days"]
            business.save(update_fields=["dunning_window_days"])
            event_record(
                business,
                type="business.updated",
                actor=Actor.user(request.user),
                payload={"dunning_window_days": [old, business.dunning_window_days]},
            )
            messages.success(request, _("Recovery window saved."))
            return redirect("customers:recovery")
    runs = Dunning.objects.for_business(business)
    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    open_runs = (
        runs.open().select_related("subscription__product", "customer").order_by("started_at", "id")
    )
    page = Paginator(open_runs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "at_risk": _totals(runs.open()),
        "recovered": _totals(
            runs.filter(status=Dunning.Status.RECOVERED, ended_at__gte=month_start)
        ),
        "lost": _totals(runs.filter(status=Dunning.Status.EXHAUSTED, ended_at__gte=month_start)),
        "month_start": month_start,
        "form": form,
    }
    return render(request, "customers/recovery.html", context)
