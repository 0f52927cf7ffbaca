"""The portal in the customer's language (portal.languages): the switch's choice, then
the customer's preferred_locale, then the browser's; its e-mails and PDFs follow the
customer; the dashboard keeps to English and Korean."""

import io

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from customers.audit import Actor
from customers.billing import pdf, refunds
from customers.core.locales import (
    PORTAL_LANGUAGES,
    accept_language,
    customer_language,
    shipped_language,
)
from customers.models import Event
from portal import services
from portal.languages import COOKIE
from tests.portal.conftest import make_payment, make_product, portal_link

pytestmark = pytest.mark.django_db

HOME = "/portal/"
# One string of the home page per language: the navigation's "Billing history".
BILLING_HISTORY = {
    "en": "Billing history",
    "ko": "결제 내역",
    "ja": "支払い履歴",
    "zh-hans": "账单记录",
    "hi": "बिलिंग इतिहास",
    "es": "Historial de facturación",
    "fr": "Historique de facturation",
    "de": "Zahlungsverlauf",
    "pt-br": "Histórico de cobranças",
    "id": "Riwayat tagihan",
}


def test_every_portal_language_has_its_key_string():
    assert set(BILLING_HISTORY) == {code for code, _name in PORTAL_LANGUAGES}


@pytest.mark.parametrize(("language", "text"), BILLING_HISTORY.items())
def test_the_portal_speaks_the_browsers_language(client, portal_customer, language, text):
    client.get(portal_link(portal_customer))
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE=f"{language};q=0.9, en;q=0.5")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html and text in html
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("ja-JP,ja;q=0.9,en-US;q=0.8", "ja"),
        ("zh-CN,zh;q=0.9", "zh-hans"),
        ("pt-BR", "pt-br"),
        ("ru-RU, de;q=0.7", "de"),  # the first language we ship, by weight
        ("zh-TW", "en"),  # Traditional Chinese readers get English, not Simplified
        ("", "en"),
    ],
)
def test_browser_tags_map_onto_shipped_languages(client, portal_customer, header, language):
    client.get(portal_link(portal_customer))
    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize(("locale", "language"), [("ja", "ja"), ("zh", "zh-hans"), ("pt", "pt-br")])
def test_preferred_locale_wins_over_the_browser(client, portal_customer, locale, language):
    portal_customer.preferred_locale = locale
    portal_customer.save()
    client.get(portal_link(portal_customer))
    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert f'<html lang="{language}">' in html and BILLING_HISTORY[language] in html


def test_a_preferred_locale_we_do_not_ship_falls_back_to_the_browser(client, portal_customer):
    portal_customer.preferred_locale = "ru"
    portal_customer.save()
    client.get(portal_link(portal_customer))
    assert BILLING_HISTORY["fr"] in client.get(HOME, HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_the_switch_lists_every_portal_language_in_its_own_name(portal_client):
    html = portal_client.get(HOME).content.decode()
    for code, name in PORTAL_LANGUAGES:
        assert f'value="{code}" lang="{code}"' in html and name in html


def test_switching_keeps_the_choice_and_saves_it_as_the_preferred_locale(
    portal_client, portal_customer
):
    portal_customer.preferred_locale = "ja"
    portal_customer.save()
    response = portal_client.post(
        reverse("portal:language"), {"language": "de", "next": "/portal/billing/"}
    )
    assert response.status_code == 302 and response["Location"] == "/portal/billing/"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "de" and cookie["path"] == "/portal/" and cookie["httponly"]
    html = portal_client.get(HOME, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="de">' in html
    portal_customer.refresh_from_db()
    assert portal_customer.preferred_locale == "de"  # e-mails and PDFs follow
    event = Event.objects.get(type="customer.updated", object_id=portal_customer.pk)
    assert event.payload["changes"] == {"preferred_locale": ["ja", "de"]}


def test_hindi_is_kept_on_the_browser_only(portal_client, portal_customer):
    """The API's locales have no Hindi: the choice wins on this browser, and the
    customer's preferred_locale (their e-mails' language) stays as it was."""
    portal_customer.preferred_locale = "ja"
    portal_customer.save()
    portal_client.post(reverse("portal:language"), {"language": "hi", "next": HOME})
    assert '<html lang="hi">' in portal_client.get(HOME).content.decode()
    portal_customer.refresh_from_db()
    assert portal_customer.preferred_locale == "ja"


def test_switching_on_the_login_page_speaks_that_language_there(client, business):
    login = reverse("portal:login", args=[business.pk])
    response = client.post(reverse("portal:language"), {"language": "es", "next": login})
    assert response["Location"] == login
    html = client.get(login, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<html lang="es">' in html and "Inicia sesión en Acme Corp" in html


@pytest.mark.parametrize(
    "data",
    [
        {"language": "xx", "next": HOME},
        {"language": "", "next": HOME},
        {"language": "ja\x00", "next": HOME},
        {"language": "de", "next": "https://evil.example/portal/"},
        {"language": "de", "next": "//evil.example/portal/"},
        {"language": "de", "next": "/customers/"},
        {"language": "de"},
    ],
)
def test_bad_switch_input_changes_nothing_or_stays_in_the_portal(portal_client, data):
    response = portal_client.post(reverse("portal:language"), data)
    assert response.status_code == 302 and response["Location"] == HOME
    if data["language"] != "de":
        assert COOKIE not in response.cookies
        html = portal_client.get(HOME).content.decode()
        assert "That language is not available in the portal." in html


def test_the_switch_only_takes_posts(client):
    assert client.get(reverse("portal:language")).status_code == 405


def test_sign_in_mail_is_in_the_customers_language(
    client, business, portal_customer, django_capture_on_commit_callbacks
):
    portal_customer.preferred_locale = "ja"
    portal_customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:login", args=[business.pk]),
            {"email": portal_customer.email},
            HTTP_ACCEPT_LANGUAGE="de",
        )
    message = mail.outbox[0]
    assert message.subject == "Acme Corp にサインイン"
    assert "このリンクは 30 分間、1 回だけ使えます。" in message.body


def test_without_a_preferred_locale_the_sign_in_mail_speaks_the_login_pages_language(
    client, business, portal_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:login", args=[business.pk]),
            {"email": portal_customer.email},
            HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9",
        )
    assert mail.outbox[0].subject == "Connectez-vous à Acme Corp"


@pytest.mark.parametrize(
    ("locale", "subject"),
    [
        ("pt", "Seu portal do cliente de Acme Corp"),
        ("zh", "您的 Acme Corp 客户门户"),
        ("id", "Portal pelanggan Acme Corp Anda"),
        ("ru", "Your Acme Corp customer portal"),  # not shipped: English
        ("", "Your Acme Corp customer portal"),
    ],
)
def test_invite_mail_is_in_the_customers_language(
    portal_customer, django_capture_on_commit_callbacks, locale, subject
):
    portal_customer.preferred_locale = locale
    portal_customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.portal_session_create(
            customer=portal_customer, send_email=True, actor=Actor.system()
        )
    assert mail.outbox[0].subject == subject


def test_email_change_confirmation_speaks_the_pages_language(
    portal_client, django_capture_on_commit_callbacks
):
    portal_client.post(reverse("portal:language"), {"language": "hi", "next": HOME})
    with django_capture_on_commit_callbacks(execute=True):
        portal_client.post(
            reverse("portal:profile"), {"form": "email", "new_email": "new@example.com"}
        )
    assert mail.outbox[0].subject == "अपने नए ई-मेल पते की पुष्टि करें"


def _pdf(response) -> tuple[str, set[str]]:
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    return text, fonts


def test_invoice_pdf_in_japanese(portal_client, portal_customer, business):
    if pdf.fonts()[1] is None:
        pytest.skip("no CJK font (apt-get install fonts-noto-cjk; .ci/run does)")
    portal_customer.preferred_locale = "ja"
    portal_customer.save()
    payment = make_payment(portal_customer, make_product(business), total_amount=123450)
    text, fonts = _pdf(portal_client.get(reverse("portal:invoice", args=[payment.pk])))
    assert "請求書" in text and "合計（USD）" in text and "$1,234.50" in text
    assert any("NotoSansCJK" in font for font in fonts)


def test_invoice_pdf_in_hindi_uses_a_devanagari_font(portal_client, portal_customer, business):
    if pdf.fonts()[2] is None:
        pytest.skip("no Devanagari font (apt-get install fonts-lohit-deva; .ci/run does)")
    portal_client.post(reverse("portal:language"), {"language": "hi", "next": HOME})
    payment = make_payment(portal_customer, make_product(business), total_amount=12345600)
    response = portal_client.get(reverse("portal:invoice", args=[payment.pk]))
    text, fonts = _pdf(response)
    assert "₹" not in text  # a USD payment
    assert "$1,23,456.00" in text  # Indian grouping
    assert any("Devanagari" in font for font in fonts)


def test_refund_receipt_in_hindi(portal_client, portal_customer, business, owner):
    if pdf.fonts()[2] is None:
        pytest.skip("no Devanagari font (apt-get install fonts-lohit-deva; .ci/run does)")
    payment = make_payment(portal_customer, make_product(business))
    refund = refunds.refund_create(
        payment=payment, amount=500, reason="देर से पहुँचा", actor=Actor.user(owner)
    )
    portal_client.post(reverse("portal:language"), {"language": "hi", "next": HOME})
    text, fonts = _pdf(portal_client.get(reverse("portal:refund_receipt", args=[refund.pk])))
    assert "$5.00" in text and any("Devanagari" in font for font in fonts)


def test_the_invoice_is_kept_per_language(portal_client, portal_customer, business):
    payment = make_payment(portal_customer, make_product(business))
    url = reverse("portal:invoice", args=[payment.pk])
    english, _fonts = _pdf(portal_client.get(url))
    portal_client.post(reverse("portal:language"), {"language": "de", "next": HOME})
    german, _fonts = _pdf(portal_client.get(url))
    assert "Invoice" in english and "Rechnung" in german and "20,00" in german


def test_dashboard_keeps_to_english_and_korean(owner_client):
    """The portal's languages never reach the dashboard: not from the browser, not from
    a django_language cookie set to one of them, not in its switch."""
    client = owner_client
    assert [code for code, _name in settings.LANGUAGES] == ["en", "ko"]
    html = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<html lang="en">' in html
    assert 'value="ja"' not in html and "日本語" not in html
    client.post(reverse("set_language"), {"language": "ja", "next": "/customers/"})
    html = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<html lang="ko">' in html
    client.cookies[COOKIE] = "ja"  # the portal's cookie (its path keeps it there anyway)
    assert '<html lang="en">' in client.get("/customers/").content.decode()


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("ja", "ja"),
        ("JA_jp", "ja"),
        ("zh", "zh-hans"),
        ("zh-Hans-CN", "zh-hans"),
        ("zh-Hant", None),
        ("pt", "pt-br"),
        ("pt-PT", "pt-br"),
        ("in", "id"),
        ("hi-IN", "hi"),
        ("ru", None),
        ("", None),
        (None, None),
    ],
)
def test_shipped_language(tag, language):
    assert shipped_language(tag) == language


def test_customer_language_and_accept_language():
    assert customer_language("zh") == "zh-hans"
    assert customer_language("ru", "de") == "de"
    assert customer_language("", "xx") == "en"
    assert accept_language("*, ja;q=0.1") is None
    assert accept_language("x" * 600) is None


@pytest.mark.parametrize("next_url", ["/portal/\x00", "/portal/\r\nSet-Cookie: x=1"])
def test_a_next_url_with_control_characters_goes_home(client, next_url):
    response = client.post(reverse("portal:language"), {"language": "de", "next": next_url})
    assert response.status_code == 302 and response["Location"] == HOME
