"""customers.core.fragments: a kept fragment is drawn once per language and values,
and the sidebar built on it marks the section a page is in, as it did when every
request drew it."""

import pytest
from django.test import override_settings
from django.utils import translation

from customers.core import fragments
from customers.templatetags.navigation import sections_of

URLS = {
    "overview": "/",
    "customers": "/customers/",
    "recovery": "/customers/recovery/",
    "team": "/settings/team/",
    "webhooks": "/settings/webhooks/",
    "tags": "/settings/tags/",
}


@pytest.mark.parametrize(
    ("path", "sections"),
    [
        ("/", ("overview",)),
        ("/customers/", ("customers",)),
        ("/customers/cus_1/", ("customers",)),
        ("/customers/recovery/", ("recovery",)),
        ("/settings/team/", ("team",)),
        ("/settings/team/invite/", ()),
        ("/settings/webhooks/whk_1/", ("webhooks",)),
        ("/settings/tags/tag_1/delete/", ("tags",)),
    ],
)
def test_a_page_is_in_its_own_section_and_the_ones_above_it(path, sections):
    assert sections_of(path, URLS) == sections


def test_a_fragment_is_drawn_once_per_language_and_values(monkeypatch):
    drawn = []
    monkeypatch.setattr(
        fragments, "render_to_string", lambda name, context: drawn.append(context) or "x"
    )
    fragments._forget()
    for _ in range(3):
        fragments.fragment("any.html", active=("customers",), can_edit=True)
    with translation.override("ko"):
        fragments.fragment("any.html", active=("customers",), can_edit=True)
    fragments.fragment("any.html", active=("customers",), can_edit=False)
    assert drawn == [
        {"active": ("customers",), "can_edit": True},
        {"active": ("customers",), "can_edit": True},
        {"active": ("customers",), "can_edit": False},
    ]
    fragments._forget()


def test_a_changed_setting_forgets_what_was_kept(monkeypatch):
    reversed_ = []
    monkeypatch.setattr(fragments, "reverse", lambda name: reversed_.append(name) or "/")
    fragments._forget()
    fragments.reversed_urls({"overview": "overview"})
    fragments.reversed_urls({"overview": "overview"})
    with override_settings(ROOT_URLCONF="customers.bench.urls"):
        fragments.reversed_urls({"overview": "overview"})
    assert reversed_ == ["overview", "overview"]
    fragments._forget()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "label"), [("en", "Customers"), ("ko", "고객")])
def test_the_sidebar_marks_the_current_section_in_each_language(
    owner_client, customer, language, label
):
    owner_client.cookies["django_language"] = language
    html = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    assert '<a href="/customers/" class="is-active">' in html
    assert label in html
    assert '<a href="/customers/recovery/" class="">' in html
    assert '<a href="/settings/team/" class="">' in html
    html = owner_client.get("/customers/recovery/").content.decode()
    assert '<a href="/customers/" class="">' in html
    assert '<a href="/customers/recovery/" class="is-active">' in html


@pytest.mark.django_db
def test_a_viewer_sees_no_settings_links(client, viewer, customer):
    client.force_login(viewer)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert '<a href="/customers/" class="is-active">' in html
    assert "/settings/team/" not in html


def test_a_keyed_piece_is_drawn_once_per_key_and_language_and_the_oldest_goes_first(
    monkeypatch,
):
    drawn = []

    def draw(name):
        return lambda: drawn.append(name) or f"<b>{name}</b>"

    monkeypatch.setattr(fragments._pieces, "size", 2)
    fragments._forget()
    assert fragments.kept(("a",), draw("a")) == "<b>a</b>"
    assert fragments.kept(("a",), draw("a again")) == "<b>a</b>"
    with translation.override("ko"):
        fragments.kept(("a",), draw("a in Korean"))
    fragments.kept(("b",), draw("b"))  # past two kept: the first "a" goes
    fragments.kept(("a",), draw("a drawn again"))
    assert drawn == ["a", "a in Korean", "b", "a drawn again"]
    fragments._forget()
