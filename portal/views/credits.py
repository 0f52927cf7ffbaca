"""The customer's credits in the portal: a balance per credit, the grants that make
it up with their expiry ("120 calls expire on 3 March"), and the history. Every
query starts from request.customer."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from customers.billing.purchases import credit_packs, pack_grants
from portal.auth import portal_login_required
from portal.views.purchases import auto_top_up_card
from portal.views.self_service import _render_list
from wallets.credits import selectors

GRANTS_SHOWN = 20
PACKS_SHOWN = 24


@portal_login_required
def credits(request):
    balances = list(selectors.customer_balances(request.customer))
    wanted = request.POST.get("credit") or request.GET.get("credit")
    chosen = next((b for b in balances if b.entitlement_id == wanted), None)
    chosen = chosen or (balances[0] if balances else None)
    grants, entries, auto = [], [], None
    if chosen is not None:
        grants = list(selectors.grants(chosen, "active")[:GRANTS_SHOWN])
        entries = selectors.ledger(chosen)
        auto = auto_top_up_card(request, chosen.entitlement)
        if auto.get("saved"):
            url = reverse("portal:credits")
            return redirect(f"{url}?credit={chosen.entitlement_id}#auto-top-up")
    packs = list(credit_packs(request.customer.business)[:PACKS_SHOWN])
    grants_of = pack_grants(packs)
    return _render_list(
        request,
        "portal/credits.html",
        entries,
        packs=[(p, grants_of.get(p.pk, [])) for p in packs],
        balances=balances,
        chosen=chosen,
        grants=grants,
        auto=auto,
        now=timezone.now(),
    )
