"""The merchant's account pages: sign-in's password reset, switching business, and
Settings → API keys (list, create — the secret is shown once — and revoke)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.accounts.api_keys import api_key_create, api_key_revoke
from customers.accounts.middleware import SESSION_KEY
from customers.accounts.permissions import business_required, editor_required
from customers.accounts.signin import SignInForm, account_unlock, password_reset_allowed
from customers.audit import Actor
from customers.emails.services import email_queue
from customers.models import ApiKey


class QueuedPasswordResetForm(auth_forms.PasswordResetForm):
    """The reset e-mail goes through the outbox: the worker sends it, so a slow or dead
    SMTP server neither fails the page nor tells whether the address has an account."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = render_to_string(subject_template_name, context)
        email_queue(
            business=None,
            to=to_email,
            subject=subject,
            body=render_to_string(email_template_name, context),
            category="auth",
            email_type="password_reset",
        )


class PasswordResetView(auth_views.PasswordResetView):
    """Reset links are built from PUBLIC_BASE_URL (read per request), never the Host.
    At most RESET_MAILS_PER_ADDRESS requests per address and RESET_MAILS_PER_IP per
    client IP in RESET_MAILS_WINDOW send mail; beyond, the answer is the same and
    nothing is sent (the page never says whether an account exists)."""

    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        if not password_reset_allowed(self.request, form.cleaned_data["email"]):
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = {"public_base_url": settings.PUBLIC_BASE_URL}
        return super().form_valid(form)


class SignInView(auth_views.LoginView):
    """Sign-in, throttled per account and per IP (customers.accounts.signin): a refusal
    is a 429 with Retry-After and a way out through the password reset."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_for:
            response.status_code = 429
            response["Retry-After"] = str(form.locked_for)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password also lifts the account's sign-in lock."""

    def form_valid(self, form):
        response = super().form_valid(form)
        account_unlock(self.user.get_username())
        return response


@business_required
@require_POST
def business_switch(request):
    wanted = request.POST.get("business")
    if any(m.business_id == wanted for m in request.memberships):
        request.session[SESSION_KEY] = wanted
    return redirect("customers:list")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Where the key is used, e.g. “Billing worker”."),
    )
    write_access = forms.BooleanField(
        label=gettext_lazy("Enable write access"),
        required=False,
        initial=False,  # least privilege: a new key reads only unless write is asked for
        help_text=gettext_lazy("Without it the key can only read."),
    )


# The new key's secret rides in the session from the POST to the redirected GET,
# which removes it: Post/Redirect/Get, so reloading never creates a second key.
SECRET_SESSION_KEY = "api_key_created"


@never_cache
@editor_required
def api_keys(request):
    """The business's keys; a POST creates one, whose secret the next page shows once."""
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created, secret = api_key_create(
            business=request.business,
            name=form.cleaned_data["name"],
            read_only=not form.cleaned_data["write_access"],
            actor=Actor.user(request.user),
            created_by=request.user,
        )
        request.session[SECRET_SESSION_KEY] = {"id": created.pk, "secret": secret}
        return redirect("api_keys")
    keys = list(
        ApiKey.objects.for_business(request.business)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at", "-id")[:200]
    )
    just_created = request.session.pop(SECRET_SESSION_KEY, None) or {}
    created = next((k for k in keys if k.pk == just_created.get("id")), None)
    return render(
        request,
        "customers/api_keys.html",
        {
            "form": form if form.is_bound else ApiKeyForm(),
            "keys": keys,
            "created": created,
            "secret": just_created.get("secret") if created else None,
        },
    )


@editor_required
@require_POST
def api_key_revoke_view(request, key_id):
    key = get_object_or_404(ApiKey.objects.for_business(request.business), pk=key_id)
    api_key_revoke(key=key, actor=Actor.user(request.user))
    messages.success(request, _("The key “%(name)s” was revoked.") % {"name": key.name})
    return redirect("api_keys")
