"""The dashboard home: how the business is doing over a chosen period."""

from django.shortcuts import render

from customers.accounts.permissions import business_required
from customers.overview.charts import overview_charts
from customers.overview.figures import overview_figures
from customers.overview.forms import PeriodForm


@business_required
def overview(request):
    """Figures and charts for the period in the query string (a bad period shows the
    form's error and the default period's figures)."""
    form = PeriodForm(request.GET or None)
    period = form.chosen()
    figures = overview_figures(business=request.business, period=period)
    context = {
        "form": form,
        "period": period,
        "overview": figures,
        "charts": overview_charts(figures),
    }
    return render(request, "customers/overview.html", context, status=200)
