"""Settings → Team (owners change it, admins see it), Settings → Business, and the
page an invitation link opens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.accounts import team
from customers.accounts.business import (
    BusinessNameTaken,
    business_logo_set,
    business_profile_update,
)
from customers.accounts.forms import (
    BusinessProfileForm,
    InviteForm,
    JoinForm,
    RoleForm,
    TransferForm,
)
from customers.accounts.middleware import SESSION_KEY
from customers.accounts.permissions import role_allows, role_required
from customers.audit import Actor
from customers.core.errors import DomainError, InvitationForOtherAccount, InvitationInvalid
from customers.models import Invitation, Membership

TEAM_PAGE_CAP = 500  # members and invitations shown; a team is far smaller

_ROLE_ORDER = Case(
    When(role=Membership.Role.OWNER, then=Value(0)),
    When(role=Membership.Role.ADMIN, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _team_context(request, **forms) -> dict:
    members = list(
        Membership.objects.filter(business=request.business)
        .select_related("user")
        .order_by(_ROLE_ORDER, "user__username", "pk")[:TEAM_PAGE_CAP]
    )
    invitations = list(
        Invitation.objects.for_business(request.business)
        .pending()
        .select_related("invited_by")
        .newest_first()[:TEAM_PAGE_CAP]
    )
    others = [m for m in members if m.pk != request.membership.pk]
    return {
        "members": members,
        "invitations": invitations,
        "now": timezone.now(),
        "can_manage": role_allows(request.membership, "team.manage"),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "transfer_form": forms.get("transfer_form") or TransferForm(members=others),
        "roles": Membership.Role.choices,
        "owner_count": sum(1 for m in members if m.is_owner),
    }


@never_cache
@role_required("team.view")
def team_page(request):
    return render(request, "customers/team.html", _team_context(request))


@role_required("team.manage")
@require_POST
def team_invite(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            team.invitation_create(
                business=request.business,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=Actor.user(request.user),
                invited_by=request.user,
            )
        except DomainError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("team")
    context = _team_context(request, invite_form=form)
    return render(request, "customers/team.html", context, status=200)


def _invitation(request, invitation_id) -> Invitation:
    pending = Invitation.objects.for_business(request.business).pending()
    return get_object_or_404(pending, pk=invitation_id)


@role_required("team.manage")
@require_POST
def invitation_resend(request, invitation_id):
    invitation, _token = team.invitation_resend(
        invitation=_invitation(request, invitation_id), actor=Actor.user(request.user)
    )
    messages.success(
        request, _("Invitation sent again to %(email)s.") % {"email": invitation.email}
    )
    return redirect("team")


@role_required("team.manage")
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = team.invitation_revoke(
        invitation=_invitation(request, invitation_id), actor=Actor.user(request.user)
    )
    messages.success(
        request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
    )
    return redirect("team")


def _member(request, membership_id) -> Membership:
    members = Membership.objects.filter(business=request.business).select_related("user")
    return get_object_or_404(members, pk=membership_id)


@role_required("team.manage")
@require_POST
def member_role(request, membership_id):
    member = _member(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("team")
    try:
        team.membership_role_change(
            membership=member, role=form.cleaned_data["role"], actor=Actor.user(request.user)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {
                "user": member.user.get_username(),
                "role": Membership.Role(form.cleaned_data["role"]).label,
            },
        )
    return redirect("team")


@role_required("team.manage")
@require_POST
def member_remove(request, membership_id):
    member = _member(request, membership_id)
    try:
        team.membership_remove(membership=member, actor=Actor.user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("team")
    messages.success(
        request,
        _("%(user)s was removed from the team.") % {"user": member.user.get_username()},
    )
    if member.pk == request.membership.pk:
        request.session.pop(SESSION_KEY, None)
        return redirect("customers:list")
    return redirect("team")


@role_required("team.manage")
@require_POST
def ownership_transfer(request):
    others = Membership.objects.filter(business=request.business).exclude(pk=request.membership.pk)
    form = TransferForm(request.POST, members=others.select_related("user"))
    if not form.is_valid():
        context = _team_context(request, transfer_form=form)
        return render(request, "customers/team.html", context)
    taker = team.ownership_transfer(
        business=request.business,
        from_membership=request.membership,
        to_membership=others.get(pk=form.cleaned_data["member"]),
        actor=Actor.user(request.user),
    )
    messages.success(
        request,
        _("%(user)s is now the owner; you are an admin.") % {"user": taker.user.get_username()},
    )
    return redirect("team")


# ---------------------------------------------------------------- the invitation link


@never_cache
def invitation_accept(request, token):
    """Who opens the link: someone without a login sets a password and joins; someone
    with one signs in (as the invited address) and joins with a click."""
    try:
        invitation = team.invitation_find(token)
    except InvitationInvalid as exc:
        return render(request, "registration/invitation.html", {"invalid": exc.message}, status=404)
    account = team.invitee_account(invitation)
    user = request.user if request.user.is_authenticated else None
    form = JoinForm(request.POST or None, email=invitation.email) if account is None else None
    error = ""
    if user is not None and user.get_username().lower() != invitation.email:
        error = InvitationForOtherAccount.default_message
    elif (
        request.method == "POST"
        and (account is None or user is not None)
        and (form is None or form.is_valid())
    ):
        try:
            membership = team.invitation_accept(
                token=token,
                user=user if account is not None else None,
                password=form.cleaned_data["password1"] if form else "",
            )
        except DomainError as exc:
            error = exc.message
        else:
            if user is None:
                login(request, membership.user, backend=_backend())
            request.session[SESSION_KEY] = membership.business_id
            messages.success(
                request, _("Welcome to %(business)s.") % {"business": membership.business.name}
            )
            return redirect("customers:list")
    context = {
        "invitation": invitation,
        "account": account,
        "form": form,
        "error": error,
        "signed_in_as": user.get_username() if user else "",
        "login_url": f"{reverse('login')}?next={request.path}",
    }
    return render(request, "registration/invitation.html", context)


def _backend() -> str:
    return settings.AUTHENTICATION_BACKENDS[0]


# ---------------------------------------------------------------- Settings → Business


@never_cache
@role_required("edit")
def business_profile(request):
    business = request.business
    initial = {field: getattr(business, field) for field in BusinessProfileForm.PROFILE}
    form = BusinessProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actor = Actor.user(request.user)
        try:
            business_profile_update(business=business, actor=actor, **form.profile())
        except BusinessNameTaken as exc:
            form.add_error("name", exc.message)
        else:
            logo = form.cleaned_data["logo_file"]
            if logo or form.cleaned_data["remove_logo"]:
                business_logo_set(business=business, actor=actor, image=logo or b"")
            messages.success(request, _("Business profile saved."))
            return redirect("business_profile")
    return render(request, "customers/business_profile.html", {"form": form})
