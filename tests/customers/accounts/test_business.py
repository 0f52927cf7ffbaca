"""Settings → Business: the profile, its one logo (shared with the portal), and where
they show: invoices and receipts, e-mails' reply-to, the portal header."""

import io
import subprocess

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from customers.accounts.business import business_logo_set, business_profile_update
from customers.audit import Actor
from customers.billing.invoices import invoice_pdf, refund_receipt_pdf
from customers.emails.services import email_queue
from customers.models import Business, BusinessLogo, Event
from portal.services import portal_session_create
from tests.factories import CustomerFactory, MembershipFactory, PaymentFactory, RefundFactory

pytestmark = pytest.mark.django_db
PROFILE = reverse("business_profile")
SYSTEM = Actor.system("test")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (79, 70, 229)).save(buffer, format="PNG")
    return buffer.getvalue()


def _form(**changes) -> dict:
    data = {
        "name": "Acme Corp",
        "legal_name": "Acme Corporation Ltd.",
        "address_line1": "1 Main Street",
        "address_line2": "",
        "address_city": "Seoul",
        "address_postal_code": "04524",
        "address_state": "",
        "address_country": "KR",
        "tax_id": "KR123-45-67890",
        "support_email": "help@acme.test",
        "website": "https://acme.test",
        "default_currency": "KRW",
        "country": "KR",
        "email_sender_name": "",
    }
    return data | changes


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_owner_saves_the_profile_and_each_change_is_recorded(owner_client, business):
    response = owner_client.post(PROFILE, _form())
    assert response.status_code == 302
    business.refresh_from_db()
    assert business.legal_name == "Acme Corporation Ltd." and business.default_currency == "KRW"
    assert business.address_lines == ["1 Main Street", "04524 Seoul", "South Korea"]
    event = Event.objects.get(type="business.updated")
    assert event.payload["changes"]["tax_id"] == ["", "KR123-45-67890"]
    page = owner_client.get(PROFILE).content.decode()
    assert "Acme Corporation Ltd." in page and "KR123-45-67890" in page


def test_bad_input_is_a_form_error_and_nothing_changes(owner_client, business):
    for field, value, message in [
        ("name", "   ", "This field is required."),
        ("support_email", "not-mail", "Enter a valid email address."),
        ("website", "javascript:alert(1)", "URL."),
        ("default_currency", "XXX", "Select a valid choice."),
        ("address_country", "ZZ", "Select a valid choice."),
        ("tax_id", "x" * 51, "at most 50 characters"),
    ]:
        response = owner_client.post(PROFILE, _form(**{field: value}))
        assert response.status_code == 200, field
        assert message in response.content.decode(), field
    assert Business.objects.get(pk=business.pk).legal_name == ""
    assert not Event.objects.filter(type="business.updated").exists()


def test_a_name_another_business_uses_is_a_form_error(owner_client, business, other_business):
    response = owner_client.post(PROFILE, _form(name=other_business.name))
    assert response.status_code == 200
    assert "Another business already uses this name" in response.content.decode()
    business.refresh_from_db()
    assert business.name == "Acme Corp" and business.legal_name == ""


def test_logo_upload_takes_images_only_and_is_shared_with_the_portal(owner_client, business):
    svg = SimpleUploadedFile("x.svg", b"<svg onload=alert(1)>")
    refused = owner_client.post(PROFILE, _form(logo_file=svg))
    assert "Upload a PNG, JPEG or WebP image." in refused.content.decode()
    png = _png()
    owner_client.post(PROFILE, _form(logo_file=SimpleUploadedFile("logo.png", png)))
    logo = owner_client.get(reverse("portal:logo", args=[business.pk]))
    assert logo["Content-Type"] == "image/png" and logo.content == png
    assert Event.objects.filter(type="business.logo_changed").count() == 1
    owner_client.post(PROFILE, _form(remove_logo="on"))
    assert owner_client.get(reverse("portal:logo", args=[business.pk])).status_code == 404
    assert not BusinessLogo.objects.exists()


def test_viewers_cannot_open_the_profile_and_admins_can(viewer_client, client, business):
    assert viewer_client.get(PROFILE).status_code == 403
    assert viewer_client.post(PROFILE, _form()).status_code == 403
    admin = MembershipFactory(business=business, role="admin").user
    client.force_login(admin)
    assert client.get(PROFILE).status_code == 200


def test_the_profile_is_the_current_business_only(owner_client, owner, business, other_business):
    MembershipFactory(business=other_business, user=owner, role="owner")
    owner_client.post(PROFILE, _form(legal_name="Mine Ltd."))
    other_business.refresh_from_db()
    business.refresh_from_db()
    assert {business.legal_name, other_business.legal_name} == {"Mine Ltd.", ""}


def test_invoice_prints_the_issuer_block_logo_and_b2b_customer(business):
    business_profile_update(
        business=business,
        actor=SYSTEM,
        **{k: v for k, v in _form().items() if k != "name"},
    )
    business_logo_set(business=business, actor=SYSTEM, image=_png())
    customer = CustomerFactory(
        business=business,
        name="Ada Lovelace",
        business_name="Analytical Engines Ltd.",
        tax_id="GB999",
        billing_street="12 St James's Square",
        billing_city="London",
        billing_zipcode="SW1Y 4JH",
        billing_country="GB",
    )
    payment = PaymentFactory(business=business, customer=customer)
    pdf = invoice_pdf(payment=payment)
    text = _text(pdf)
    for expected in (
        "Acme Corporation Ltd.",
        "1 Main Street",
        "KR123-45-67890",
        "help@acme.test",
        "Analytical Engines Ltd.",
        "GB999",
        "SW1Y 4JH London",
    ):
        assert expected in text, expected
    images = sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert images == 1  # the logo
    receipt = _text(refund_receipt_pdf(refund=RefundFactory(payment=payment)))
    assert "KR123-45-67890" in receipt and "Analytical Engines Ltd." in receipt


def test_business_name_is_left_off_an_invoice_without_a_tax_id(business):
    customer = CustomerFactory(business=business, business_name="Sole Trader Co")
    text = _text(invoice_pdf(payment=PaymentFactory(business=business, customer=customer)))
    assert "Sole Trader Co" not in text


def test_customer_emails_reply_to_the_support_address(business):
    business.support_email = "help@acme.test"
    business.save()
    email = email_queue(
        business=business, to="a@example.com", subject="s", body="b", category="c", email_type="t"
    )
    assert email.reply_to == "help@acme.test"
    staff = email_queue(
        business=None, to="a@example.com", subject="s", body="b", category="c", email_type="t"
    )
    assert staff.reply_to == ""


def test_portal_header_shows_the_logo_and_support_link(business, customer, client):
    business_profile_update(business=business, actor=SYSTEM, support_email="help@acme.test")
    business_logo_set(business=business, actor=SYSTEM, image=_png())
    _link, url = portal_session_create(customer=customer, actor=SYSTEM)
    client.get(url.removeprefix(settings.PUBLIC_BASE_URL))
    page = client.get(reverse("portal:profile")).content.decode()
    assert "portal-logo" in page and "mailto:help@acme.test" in page


def test_pdftoppm_renders_the_invoice(business, tmp_path):
    """The PDF is one a real renderer draws (poppler), logo included."""
    business_logo_set(business=business, actor=SYSTEM, image=_png())
    payment = PaymentFactory(business=business, customer=CustomerFactory(business=business))
    path = tmp_path / "invoice.pdf"
    path.write_bytes(invoice_pdf(payment=payment))
    result = subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
