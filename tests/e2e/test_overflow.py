"""No page is wider than the screen (issue 15, items 5–8): every main page of the
dashboard and the portal, at 390 px (a phone) and 1440 px (a desktop), in English and
Korean, with long values seeded (a 3,000-character refund reason, a long name, metadata
key, ledger reason and API key name). Also: the phone menu, and amounts in the portal
printed in the text colour whatever the brand colour."""

import pytest
from playwright.sync_api import expect

from customers.models import Membership
from portal.models import PortalSettings
from tests.e2e.conftest import login
from tests.e2e.long_values import seed_long_values
from tests.factories import BusinessFactory, CustomerFactory, MembershipFactory, PaymentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = [(390, 844), (1440, 900)]
LANGUAGES = {"en": "en-US", "ko": "ko-KR"}


@pytest.fixture
def seeded():
    business = BusinessFactory(name="Wolfeschlegelsteinhausenbergerdorff Trading Company")
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    for name in ("강유진", "Ada Lovelace"):
        PaymentFactory(customer=CustomerFactory(business=business, name=name))
    settings = PortalSettings.for_business(business)
    settings.brand_color = "#d11a2a"  # a red brand: amounts must not take it
    settings.save()
    return owner, seed_long_values(business, owner)


def too_wide(page, width: int) -> int | None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    return scroll_width if scroll_width > width else None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_page_is_wider_than_the_screen(live_server, browser, seeded, language, width, height):
    owner, paths = seeded
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale=LANGUAGES[language]
    )
    page = context.new_page()
    login(page, live_server, owner)
    wide = {}
    for path in paths["dashboard"]:
        page.goto(live_server.url + path)
        if (measured := too_wide(page, width)) is not None:
            wide[path] = measured
    page.goto(live_server.url + paths["portal_link"])
    for path in paths["portal"]:
        page.goto(live_server.url + path)
        if (measured := too_wide(page, width)) is not None:
            wide[path] = measured
    context.close()
    assert wide == {}, f"wider than {width} px: {wide}"


# The portal's other languages, as a phone's browser asks for them.
PORTAL_LOCALES = {
    "ja": "ja-JP",
    "zh-hans": "zh-CN",
    "hi": "hi-IN",
    "es": "es-ES",
    "fr": "fr-FR",
    "de": "de-DE",
    "pt-br": "pt-BR",
    "id": "id-ID",
}


@pytest.mark.parametrize("language", PORTAL_LOCALES)
def test_no_portal_page_is_wider_than_a_phone_in_any_portal_language(
    live_server, browser, seeded, language
):
    """German's long words and Hindi's taller script fit at 390 px, the language switch's
    menu too."""
    _owner, paths = seeded
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale=PORTAL_LOCALES[language]
    )
    page = context.new_page()
    page.goto(live_server.url + paths["portal_link"])
    assert page.locator("html").get_attribute("lang") == language
    wide = {}
    for path in paths["portal"]:
        page.goto(live_server.url + path)
        if (measured := too_wide(page, 390)) is not None:
            wide[path] = measured
    page.goto(live_server.url + "/portal/")
    page.locator(".portal-lang summary").click()
    menu = page.locator(".portal-lang-menu").bounding_box()
    context.close()
    assert wide == {}, f"wider than 390 px in {language}: {wide}"
    assert menu["x"] >= 0 and menu["x"] + menu["width"] <= 390


def test_phone_menu_opens_the_navigation(live_server, browser, seeded):
    owner, _paths = seeded
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    login(page, live_server, owner)
    api_keys = page.locator("#sidebar a", has_text="API keys")
    expect(api_keys).to_be_hidden()
    toggle = page.get_by_role("button", name="Menu")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(api_keys).to_be_visible()
    page.keyboard.press("Escape")
    expect(api_keys).to_be_hidden()
    context.close()


def test_portal_amounts_are_not_in_the_brand_colour(live_server, browser, seeded):
    _owner, paths = seeded
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.goto(live_server.url + paths["portal_link"])
    page.goto(live_server.url + "/portal/wallet/")
    balance = page.locator(".balance strong").first
    expect(balance).to_contain_text("$12.50")
    assert balance.evaluate("el => getComputedStyle(el).color") != "rgb(209, 26, 42)"
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_overview_amounts_stay_on_one_line(live_server, browser, language, width, height):
    """A currency's cards widen with the page (its code is a title above their grid, not
    a cell of it) and stand one per row on a phone, so ₹68,07,345.49 is never cut in two."""
    business = BusinessFactory()
    owner = MembershipFactory(business=business, role=Membership.Role.OWNER).user
    for currency in ("INR", "USD"):
        customer = CustomerFactory(business=business)
        PaymentFactory(customer=customer, currency=currency, total_amount=680_734_549)
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale=LANGUAGES[language]
    )
    page = context.new_page()
    login(page, live_server, owner)
    page.goto(live_server.url + "/")
    one_line = page.locator(".stat-value").first.bounding_box()["height"]  # the customer count
    amounts = page.locator(".stats-money .stat-value")
    expect(amounts.first).to_be_visible()
    heights = amounts.evaluate_all(
        "values => values.map(v => [v.textContent, v.getBoundingClientRect().height])"
    )
    context.close()
    assert len(heights) == 8  # four cards in each currency
    assert [text for text, height in heights if height > one_line + 1] == []
