"""The product's URLs plus the two floor views of `bench_api`."""

from django.urls import path

from config.urls import urlpatterns as product_urlpatterns
from customers.bench.floor import floor_customer, floor_customers

urlpatterns = [
    path("bench-floor/<str:business_id>/customers", floor_customers),
    path("bench-floor/<str:business_id>/customers/<str:customer_id>", floor_customer),
    *product_urlpatterns,
]
