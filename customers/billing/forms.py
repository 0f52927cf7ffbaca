"""The dashboard's refund and cancellation forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.billing.refunds import refund_amount_check
from customers.core.errors import RefundAmountExceedsPaidAmount
from customers.core.money import format_money, parse_amount
from customers.models import Refund, Subscription

REFUND_REASON_MAX_LENGTH = 3000


class RefundForm(forms.Form):
    """Refund all or part of one payment, up to `refundable` (refunds.refund_allowance).
    `token` is a one-time key made when the form is shown: a second submit of the
    same form finds the first refund."""

    amount = forms.CharField(
        label=_("Amount"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REFUND_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    destination = forms.ChoiceField(label=_("Refund to"), widget=forms.RadioSelect)
    token = forms.CharField(widget=forms.HiddenInput, max_length=80)
    # Set by the confirmation step: the first valid submit shows the amount as read
    # ("12,50" is refused, "1,250" shows $1,250.00) and only a confirmed one refunds.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, payment, refundable: int, wallet_available: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.payment, self.refundable = payment, refundable
        choices = [(Refund.Destination.ORIGINAL, Refund.Destination.ORIGINAL.label)]
        if wallet_available:
            choices.append(
                (
                    Refund.Destination.WALLET,
                    _("Customer wallet (%(currency)s)") % {"currency": payment.currency},
                )
            )
        self.fields["destination"].choices = choices
        self.fields["destination"].initial = Refund.Destination.ORIGINAL
        self.fields["reason"].help_text = _(
            "Shown to your team and on the refund receipt. Up to %(limit)s characters."
        ) % {"limit": f"{REFUND_REASON_MAX_LENGTH:,}"}
        self.fields["amount"].help_text = _("Up to %(left)s. Enter less for a partial refund.") % {
            "left": format_money(refundable, payment.currency)
        }

    def clean_amount(self) -> int:
        amount = parse_amount(self.cleaned_data["amount"], self.payment.currency)
        try:
            refund_amount_check(amount, left=self.refundable)
        except RefundAmountExceedsPaidAmount as exc:
            raise ValidationError(
                _("At most %(left)s is left to refund on this payment."),
                code="REFUND_AMOUNT_EXCEEDS_PAID_AMOUNT",
                params={"left": format_money(self.refundable, self.payment.currency)},
            ) from exc
        return amount


class SubscriptionCancelForm(forms.Form):
    WHEN_CHOICES = [
        ("next_billing_date", _("At the next billing date")),
        ("now", _("Immediately")),
    ]

    when = forms.ChoiceField(
        label=_("When"), choices=WHEN_CHOICES, widget=forms.RadioSelect, initial="next_billing_date"
    )
    feedback = forms.ChoiceField(label=_("Reason"), required=False)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feedback"].choices = [("", _("Choose a reason (optional)"))] + list(
            Subscription.Feedback.choices
        )
