"""API keys as a service (customers.accounts.api_keys): what is stored, what is shown,
and which secrets authenticate."""

import datetime as dt
import hashlib
import hmac

import pytest
from django.utils import timezone

from customers.accounts import api_keys
from customers.audit import Actor
from customers.models import ApiKey, Event

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("tests")


def make(business, **kwargs):
    return api_keys.api_key_create(business=business, actor=ACTOR, **{"name": "CI", **kwargs})


def test_a_new_key_is_shown_once_and_only_its_hmac_is_stored(business, settings):
    settings.API_KEY_HMAC_SECRET = "pepper"
    key, raw = make(business, name="  Deploy bot  ", read_only=True)
    assert api_keys.KEY_PATTERN.match(raw) and len(raw) == 47
    expected = hmac.new(b"pepper", raw.encode(), hashlib.sha256).hexdigest()
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.digest == expected and raw not in str(stored.__dict__)
    assert (stored.name, stored.read_only) == ("Deploy bot", True)
    assert (stored.prefix, stored.last_four) == (raw[:11], raw[-4:])
    assert stored.masked == f"{raw[:11]}…{raw[-4:]}"
    event = Event.objects.get(type="api_key.created")
    assert event.object_id == key.pk and event.business_id == business.pk
    assert event.payload == {"name": "Deploy bot", "read_only": True, "shown": stored.masked}


def test_names_are_trimmed_cut_at_100_and_never_empty(business):
    assert make(business, name="   ")[0].name == "API key"
    assert make(business, name="n" * 150)[0].name == "n" * 100


def test_two_keys_never_share_a_secret_and_keys_write_unless_asked(business):
    (first, a), (_second, b) = make(business), make(business)
    assert a != b and first.read_only is False


def test_the_derived_hmac_key_is_stable_across_releases(business, settings):
    """Without API_KEY_HMAC_SECRET the HMAC key is SHA-256 of a fixed label and
    SECRET_KEY: changing the label would invalidate every key already handed out."""
    settings.API_KEY_HMAC_SECRET = ""
    settings.SECRET_KEY = "s" * 50
    secret = hashlib.sha256(b"customer-hub.api-keys:" + b"s" * 50).digest()
    raw = "hub_sk_" + "A" * 40
    assert api_keys.key_digest(raw) == hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()


def test_without_a_configured_secret_the_hmac_key_derives_from_secret_key(business, settings):
    settings.API_KEY_HMAC_SECRET = ""
    _key, raw = make(business)
    assert api_keys.api_key_authenticate(raw) is not None
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"
    assert api_keys.api_key_authenticate(raw) is None


def test_a_key_authenticates_as_itself(business):
    key, raw = make(business, read_only=True)
    found = api_keys.api_key_authenticate(raw)
    assert (found.pk, found.business_id, found.name, found.read_only) == (
        key.pk,
        business.pk,
        "CI",
        True,
    )
    assert found.business == business


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: "",
        lambda raw: None,
        lambda raw: raw[:-1],
        lambda raw: raw + "a",
        lambda raw: raw[:-1] + "-",
        lambda raw: "hub_pk_" + raw[7:],
        lambda raw: " " + raw,
        lambda raw: raw[:-1] + ("b" if raw[-1] != "b" else "c"),
    ],
)
def test_malformed_or_unknown_secrets_authenticate_nobody(business, mangle):
    _key, raw = make(business)
    assert api_keys.api_key_authenticate(mangle(raw)) is None


def test_a_revoked_key_authenticates_nobody_and_revoking_twice_is_harmless(business):
    key, raw = make(business)
    revoked = api_keys.api_key_revoke(key=key, actor=ACTOR)
    assert revoked.revoked_at is not None
    assert api_keys.api_key_revoke(key=key, actor=ACTOR).revoked_at == revoked.revoked_at
    assert api_keys.api_key_authenticate(raw) is None
    events = Event.objects.filter(type="api_key.revoked")
    assert events.count() == 1
    assert events.get().payload == {"name": "CI", "shown": revoked.masked}


def test_last_use_is_recorded_at_most_once_a_minute(business):
    key, raw = make(business)
    assert ApiKey.objects.get(pk=key.pk).last_used_at is None
    first = api_keys.api_key_authenticate(raw).last_used_at
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first
    recent = timezone.now() - dt.timedelta(seconds=50)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=recent)
    assert api_keys.api_key_authenticate(raw).last_used_at == recent
    assert ApiKey.objects.get(pk=key.pk).last_used_at == recent
    old = timezone.now() - dt.timedelta(seconds=70)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=old)
    assert api_keys.api_key_authenticate(raw).last_used_at > old
    assert ApiKey.objects.get(pk=key.pk).last_used_at > old
