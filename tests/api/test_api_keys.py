"""Settings → API keys (owners and admins) and the create_api_key command."""

import io
import re

from django.core.management import call_command

from customers.accounts.api_keys import KEY_PATTERN, api_key_authenticate, key_digest
from customers.models import ApiKey, Event


def test_owner_creates_a_key_and_sees_the_secret_once(owner_client, business, owner):
    response = owner_client.post(
        "/settings/api-keys/", {"name": "Billing worker", "write_access": "on"}
    )
    assert response.status_code == 302  # Post/Redirect/Get: a reload creates nothing
    response = owner_client.get(response["Location"])
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="new-api-key">([^<]+)<', response.content.decode()).group(1)
    assert KEY_PATTERN.match(secret)
    key = ApiKey.objects.get(business=business)
    assert (key.name, key.read_only, key.created_by) == ("Billing worker", False, owner)
    assert key.digest == key_digest(secret) and secret not in (key.prefix, key.digest)
    assert api_key_authenticate(secret) == key
    event = Event.objects.get(type="api_key.created")
    assert secret not in str(event.payload) and event.actor_kind == "user"

    page = owner_client.get("/settings/api-keys/").content.decode()
    assert secret not in page
    assert key.masked in page and "Billing worker" in page
    # The form is fresh: write access is not left ticked for the next key.
    assert (
        'name="write_access"' in page and "checked" not in page.split('name="write_access"')[1][:40]
    )


def test_read_only_keys_and_revoking(owner_client, business):
    owner_client.post("/settings/api-keys/", {"name": "Reporting"})  # write_access unchecked
    key = ApiKey.objects.get(business=business)
    assert key.read_only is True
    response = owner_client.post(f"/settings/api-keys/{key.pk}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert Event.objects.filter(type="api_key.revoked", object_id=key.pk).exists()
    assert "Revoked" in owner_client.get("/settings/api-keys/").content.decode()


def test_viewers_cannot_see_or_manage_keys(viewer_client, business):
    assert viewer_client.get("/settings/api-keys/").status_code == 403
    assert viewer_client.post("/settings/api-keys/", {"name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()
    assert "/settings/api-keys/" not in viewer_client.get("/customers/").content.decode()


def test_another_business_key_cannot_be_revoked(owner_client, other_business):
    from customers.accounts.api_keys import api_key_create
    from customers.audit import Actor

    theirs, _raw = api_key_create(business=other_business, name="x", actor=Actor.system())
    assert owner_client.post(f"/settings/api-keys/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_sidebar_has_the_settings_group(owner_client):
    page = owner_client.get("/customers/").content.decode()
    assert 'href="/settings/api-keys/"' in page and 'href="/settings/portal/"' in page


def test_create_api_key_command_prints_the_key(business):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_key", "--business", business.name, "--read-only", stdout=out, stderr=err
    )
    raw = out.getvalue().strip()
    key = api_key_authenticate(raw)
    assert key.business == business and key.read_only
    assert "read-only" in err.getvalue()


def test_openapi_and_docs(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/customers/{customer_id}/customer-portal/session" in schema["paths"]
    assert "x-should-retry" in schema["info"]["description"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_docs_lead_with_what_a_developer_needs(client):
    description = client.get("/api/openapi.json").json()["info"]["description"]
    order = [description.index(s) for s in ("Base URL", "Authentication", "curl", "DodoPayments(")]
    assert order == sorted(order) and order[-1] < description.index("**Errors**")
    assert "manage.py" not in description and "API_RATE_LIMIT" not in description
