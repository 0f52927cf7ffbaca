"""The portal's self-service writes as services (portal.services), apart from the
views that also guard them: profile updates and e-mail changes."""

import time
from unittest import mock

import pytest
from django.core import signing

from portal import services
from portal.errors import PortalLinkInvalid, ProfileUpdatesDisabled
from portal.models import PortalSettings

pytestmark = pytest.mark.django_db


def _confirmation_token(customer, new_email: str, *, hours_ago: float) -> str:
    payload = {"c": customer.pk, "old": customer.email, "new": new_email}
    then = time.time() - hours_ago * 3600
    with mock.patch("django.core.signing.time.time", return_value=then):
        return signing.dumps(payload, salt=services.EMAIL_CHANGE_SALT)


def test_profile_updates_follow_the_business_setting(business, portal_customer):
    PortalSettings.objects.create(business=business, allow_profile_updates=False)
    with pytest.raises(ProfileUpdatesDisabled):
        services.portal_profile_update(customer=portal_customer, name="Kim", phone_number="")
    with pytest.raises(ProfileUpdatesDisabled):
        services.email_change_request(customer=portal_customer, new_email="kim@example.com")
    portal_customer.refresh_from_db()
    assert portal_customer.name == "Min-jun Kim"


def test_profile_updates_change_the_customer_when_allowed(business, portal_customer):
    PortalSettings.objects.create(business=business, allow_profile_updates=True)
    services.portal_profile_update(customer=portal_customer, name="Kim", phone_number="")
    portal_customer.refresh_from_db()
    assert portal_customer.name == "Kim"


@pytest.mark.parametrize(("hours_ago", "works"), [(0, True), (23.9, True), (24.1, False)])
def test_an_email_confirmation_link_works_for_24_hours(portal_customer, hours_ago, works):
    token = _confirmation_token(portal_customer, "new@example.com", hours_ago=hours_ago)
    if works:
        customer = services.email_change_confirm(token=token)
        assert customer.email == "new@example.com"
        assert customer.business.name == "Acme Corp"
    else:
        with pytest.raises(PortalLinkInvalid):
            services.email_change_confirm(token=token)
        portal_customer.refresh_from_db()
        assert portal_customer.email == "minjun@example.com"
