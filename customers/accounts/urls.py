"""Merchant sign-in: Django's auth views with our templates."""

from django.contrib.auth import views as auth_views
from django.urls import path

from customers.accounts.team_views import invitation_accept
from customers.accounts.views import PasswordResetConfirmView, PasswordResetView, SignInView

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
