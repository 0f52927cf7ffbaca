"""The overview's period picker: 7, 30 or 90 days, this month, or two dates (UTC days,
as the kept figures count them), and the period before it to compare with."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The longest custom period: the charts stay readable and the queries bounded.
MAX_DAYS = 366 * 3
EARLIEST = dt.date(1970, 1, 2)  # the period before it must be a real date too


@dataclass(frozen=True)
class Period:
    start: dt.date  # first day, inclusive
    end: dt.date  # last day, inclusive
    previous_start: dt.date
    previous_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_before(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The previous month from its first day to the same day of the month (or its last)."""
    last_of_previous = start - dt.timedelta(days=1)
    first = last_of_previous.replace(day=1)
    return first, min(first.replace(day=1) + dt.timedelta(days=end.day - 1), last_of_previous)


def period_for(choice: str, today: dt.date, start=None, end=None) -> Period:
    if choice == "month":
        start, end = today.replace(day=1), today
        return Period(start, end, *_month_before(start, end))
    if choice != "custom":
        start, end = today - dt.timedelta(days=int(choice) - 1), today
    length = (end - start).days + 1
    return Period(start, end, start - dt.timedelta(days=length), start - dt.timedelta(days=1))


class PeriodForm(forms.Form):
    CHOICES = [
        ("7", _("Last 7 days")),
        ("30", _("Last 30 days")),
        ("90", _("Last 90 days")),
        ("month", _("This month")),
        ("custom", _("Custom")),
    ]
    DEFAULT = "30"

    period = forms.ChoiceField(label=_("Period"), choices=CHOICES, required=False)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)

    def __init__(self, data=None, *, today: dt.date | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or timezone.now().astimezone(dt.UTC).date()
        for name in ("start", "end"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})

    def clean(self):
        data = super().clean()
        choice = data.get("period") or self.DEFAULT
        data["period"] = choice
        if choice != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if not start or not end:
            if not self.has_error("start") and not self.has_error("end"):
                raise forms.ValidationError(_("Choose both dates for a custom period."))
            return data
        if start < EARLIEST:
            self.add_error("start", _("Choose a day after 1 January 1970."))
            return data
        if start > end:
            raise forms.ValidationError(_("The first day must not be after the last."))
        if end > self.today:
            self.add_error("end", _("The last day cannot be in the future."))
        elif (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("A custom period can be at most %(days)s days long.") % {"days": MAX_DAYS}
            )
        return data

    def chosen(self) -> Period:
        """The chosen period; the default one when the form is invalid (it shows why)."""
        if self.is_valid():
            data = self.cleaned_data
            return period_for(data["period"], self.today, data.get("start"), data.get("end"))
        return period_for(self.DEFAULT, self.today)
