from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("columns/", views.customer_columns, name="columns"),
    path("switch-business/", views.business_switch, name="switch_business"),
    path("<str:customer_id>/", views.customer_detail, name="detail"),
    path("<str:customer_id>/edit/", views.customer_edit, name="edit"),
]
