"""PostgreSQL: the last-owner rule and invitations under real concurrent transactions,
each thread on its own connection."""

import pytest

from customers.accounts import team
from customers.audit import Actor
from customers.core.errors import InvitationInvalid, LastOwner
from customers.models import Invitation, Membership
from tests.factories import BusinessFactory, MembershipFactory
from tests.wallets.test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SYSTEM = Actor.system("race")


@pytest.fixture
def business(db):
    return BusinessFactory(name="Race Co")


def test_two_owners_demoting_each_other_at_once_leave_one_owner(business):
    owners = [MembershipFactory(business=business, role="owner") for _ in range(2)]
    outcomes = race(
        2,
        lambda i: team.membership_role_change(membership=owners[i], role="viewer", actor=SYSTEM),
    )
    refused = [o for o in outcomes if isinstance(o, LastOwner)]
    assert len(refused) == 1, outcomes
    assert Membership.objects.filter(business=business, role="owner").count() == 1


def test_owners_removing_themselves_at_once_leave_one_owner(business):
    owners = [MembershipFactory(business=business, role="owner") for _ in range(5)]
    outcomes = race(5, lambda i: team.membership_remove(membership=owners[i], actor=SYSTEM))
    assert sum(isinstance(o, LastOwner) for o in outcomes) == 1, outcomes
    assert Membership.objects.filter(business=business, role="owner").count() == 1


def test_one_invitation_accepted_from_two_tabs_joins_once(business):
    _invitation, token = team.invitation_create(
        business=business, email="new@example.com", role="admin", actor=SYSTEM
    )
    outcomes = race(
        4, lambda i: team.invitation_accept(token=token, password="a long passphrase 1")
    )
    joined = [o for o in outcomes if isinstance(o, Membership)]
    assert len(joined) == 1, outcomes
    assert all(isinstance(o, InvitationInvalid | Exception) for o in outcomes if o not in joined)
    assert Membership.objects.filter(business=business, role="admin").count() == 1
    assert Invitation.objects.get().accepted_at is not None


def test_inviting_one_address_twice_at_once_keeps_one_open_invitation(business):
    outcomes = race(
        4,
        lambda i: team.invitation_create(
            business=business, email="twice@example.com", role="viewer", actor=SYSTEM
        ),
    )
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert Invitation.objects.pending().count() == 1
