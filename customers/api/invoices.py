"""Invoice and refund-receipt PDFs (api-contract.md §12): for the owning
business's API key or a signed link."""

from django.conf import settings
from django.core import signing
from django.http import Http404
from ninja import Router

from customers.accounts.api_keys import api_key_authenticate
from customers.api.common import ErrorOut, get_scoped
from customers.billing import invoices
from customers.models import Payment, Refund

router = Router(tags=["Invoices (public)"], auth=None)


INVOICE_TOKEN_MAX_AGE = 60 * 60 * 24 * 30  # a signed invoice link works for 30 days


def _token(kind: str, object_id: str) -> str:
    return signing.dumps(object_id, salt=f"api.invoice.{kind}", compress=False)


def invoice_url(kind: str, object_id: str) -> str:
    token = _token(kind, object_id)
    return f"{settings.PUBLIC_BASE_URL}/api/invoices/{kind}/{object_id}?token={token}"


# ---------------------------------------------------------------- invoices (§12)

PDF_RESPONSES = {
    "responses": {
        200: {
            "description": "The PDF.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
    }
}


def _may_read(request, *, kind: str, obj, token: str | None) -> bool:
    """The owning business's API key, or a signed token for this very document."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        key = api_key_authenticate(header[7:].strip())
        if key is not None and key.business_id == obj.business_id:
            return True
    if token:
        try:
            signed = signing.loads(token, salt=f"api.invoice.{kind}", max_age=INVOICE_TOKEN_MAX_AGE)
        except signing.BadSignature:
            return False
        return signed == obj.pk
    return False


@router.get(
    "/invoices/payments/{payment_id}",
    response={404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    openapi_extra=PDF_RESPONSES,
)
def payment_invoice(request, payment_id: str, token: str | None = None):
    """The invoice PDF of a successful payment, for the owning business's API key
    (`Authorization: Bearer`) or with the signed `token` from the payment's
    `invoice_url` (valid 30 days). Anyone else, and payments without an invoice,
    get 404."""
    payment = get_scoped(
        Payment.objects.select_related("business", "customer", "product", "subscription"),
        payment_id,
    )
    if payment.status != Payment.Status.SUCCEEDED or not _may_read(
        request, kind="payments", obj=payment, token=token
    ):
        raise Http404
    return invoices.pdf_response(
        invoices.invoice_pdf(payment=payment), f"invoice-{payment.pk}.pdf", inline=True
    )


@router.get(
    "/invoices/refunds/{refund_id}",
    response={404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    openapi_extra=PDF_RESPONSES,
)
def refund_invoice(request, refund_id: str, token: str | None = None):
    """The refund receipt PDF, on the same terms as the payment invoice (a token is
    signed for the refund's ID)."""
    refund = get_scoped(Refund.objects.select_related("business", "customer", "payment"), refund_id)
    if not _may_read(request, kind="refunds", obj=refund, token=token):
        raise Http404
    return invoices.pdf_response(
        invoices.refund_receipt_pdf(refund=refund), f"refund-{refund.pk}.pdf", inline=True
    )
