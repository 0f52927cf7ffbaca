"""The two parties an invoice or a refund receipt names: the business that issues it
(its profile: legal name, address, tax ID, contacts, logo) and the customer billed
(a business name only with a tax ID, as Dodo prints it). Both documents draw them
the same way."""

import io
import logging

from django.utils.translation import gettext as _

from customers.models import BusinessLogo

logger = logging.getLogger(__name__)
LOGO_HEIGHT = 14  # mm


def draw_logo(doc, business) -> None:
    """The business's logo at the top left of an fpdf2 document, when it has one."""
    if business.logo_updated_at is None:
        return
    found = BusinessLogo.objects.filter(business_id=business.pk).only("image").first()
    if found is None:
        return
    try:
        doc.image(io.BytesIO(bytes(found.image)), h=LOGO_HEIGHT, keep_aspect_ratio=True)
    except Exception:  # noqa: BLE001 — an image fpdf2 cannot read must not cost the invoice
        logger.warning("logo of %s could not be drawn", business.pk, exc_info=True)
        return
    doc.ln(2)


def issuer_rows(business) -> list[tuple[str, str]]:
    """Who issues the document: the legal name, address, tax ID and contacts."""
    rows = [(_("Issued by"), business.issuer_name)]
    if business.address_lines:
        rows.append((_("Address"), "\n".join(business.address_lines)))
    if business.tax_id:
        rows.append((_("Tax ID"), business.tax_id))
    if business.support_email:
        rows.append((_("Support"), business.support_email))
    if business.website:
        rows.append((_("Website"), business.website))
    return rows


def customer_rows(customer) -> list[tuple[str, str]]:
    """Who is billed: a business only with its tax ID, then the person, the address
    and the customer's ID."""
    rows = []
    if customer.invoice_business_name:
        rows.append((_("Business"), customer.invoice_business_name))
    rows += [(_("Name"), customer.name), (_("E-mail"), customer.email)]
    if customer.phone_number:
        rows.append((_("Phone"), customer.phone_number))
    if customer.billing_lines:
        rows.append((_("Address"), "\n".join(customer.billing_lines)))
    if customer.tax_id:
        rows.append((_("Tax ID"), customer.tax_id))
    rows.append((_("Customer ID"), customer.pk))
    return rows


def party_texts(business, customer) -> list[str]:
    """Every text of both parties a document prints (it picks its fonts by them)."""
    return [
        business.name,
        business.issuer_name,
        *business.address_lines,
        customer.name,
        customer.business_name,
        *customer.billing_lines,
    ]
