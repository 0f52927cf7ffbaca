"""Included under /customers/ after the customers app's own URLs."""

from django.urls import path

from wallets import views

app_name = "wallets"

urlpatterns = [
    path("<str:customer_id>/wallet/", views.wallet_tab, name="tab"),
    path("<str:customer_id>/wallet/adjust/", views.wallet_adjust, name="adjust"),
]
