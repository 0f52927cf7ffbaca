"""The product's URLs plus the floor views: the two of `bench_api` and the view floor
of `benchmark` (which replays case n's SQL; see customers.bench.pages)."""

from django.urls import path

from config.urls import urlpatterns as product_urlpatterns
from customers.bench.floor import floor_customer, floor_customers
from customers.bench.load import load_floor
from customers.bench.pages import replay

urlpatterns = [
    path("bench-floor/<str:business_id>/customers", floor_customers),
    path("bench-floor/<str:business_id>/customers/<str:customer_id>", floor_customer),
    path("bench-floor/replay/<int:n>", replay),
    path("bench-floor/load/<int:n>", load_floor),
    *product_urlpatterns,
]
