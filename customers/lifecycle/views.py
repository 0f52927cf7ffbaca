"""Delete and merge, from the customer's details page (owners and admins)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from customers.accounts.permissions import editor_required
from customers.audit import Actor
from customers.core.errors import DomainError
from customers.lifecycle import services
from customers.lifecycle.forms import DeleteForm, MergeForm
from customers.models import Subscription, is_tombstone
from customers.selectors import customer_get
from wallets.models import Wallet


def _blockers(customer) -> list[str]:
    """Why a delete would be refused, said before the merchant types anything."""
    reasons = []
    subscriptions = Subscription.objects.for_business(customer.business_id)
    if subscriptions.filter(customer=customer, status__in=services.LIVE_SUBSCRIPTIONS).exists():
        reasons.append(str(services.CustomerHasActiveSubscription.default_message))
    wallets = Wallet.objects.for_business(customer.business_id)
    if wallets.filter(customer=customer, balance__gt=0).exists():
        reasons.append(str(services.CustomerHasWalletBalance.default_message))
    return reasons


@editor_required
def customer_delete(request, customer_id):
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    if is_tombstone(customer):
        messages.info(request, _("This customer has already been deleted."))
        return redirect("customers:detail", customer_id=customer.pk)
    form = DeleteForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_delete(customer=customer, actor=Actor.user(request.user))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The customer was deleted."))
            return redirect("customers:list")
    context = {"customer": customer, "form": form, "blockers": _blockers(customer)}
    return render(request, "customers/customer_delete.html", context)


@editor_required
def customer_merge(request, customer_id):
    """Step 1 (GET, or POST without `confirm`): pick the other customer and the
    survivor, see what moves. Step 2 (POST with `confirm`): merge."""
    customer = customer_get(business_id=request.business.pk, customer_id=customer_id)
    if is_tombstone(customer):
        messages.info(request, _("This customer has already been deleted."))
        return redirect("customers:detail", customer_id=customer.pk)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = MergeForm(data, customer=customer)
    preview = None
    if form.is_bound and form.is_valid():
        duplicate, survivor = form.pair()
        try:
            if request.method == "POST" and request.POST.get("confirm"):
                services.customer_merge(
                    duplicate=duplicate, survivor=survivor, actor=Actor.user(request.user)
                )
                messages.success(request, _("The customers were merged."))
                return redirect("customers:detail", customer_id=survivor.pk)
            preview = services.customer_merge_preview(duplicate=duplicate, survivor=survivor)
        except DomainError as exc:
            form.add_error(None, exc.message)
    context = {
        "customer": customer,
        "form": form,
        "preview": preview,
        "action": reverse("customers:merge", args=[customer.pk]),
    }
    return render(request, "customers/customer_merge.html", context)
