"""Settings → Team: invitations (e-mailed, expiring, single-use), roles, removal,
ownership transfer and the last-owner rule; who may see and change it."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from customers.accounts import team
from customers.audit import Actor
from customers.core.errors import AlreadyMember, InvitationInvalid, LastOwner
from customers.models import EmailLog, Event, Invitation, Membership
from portal.logging import redact
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
TEAM = reverse("team")
SYSTEM = Actor.system("test")


def _invite(business, email="new@example.com", role=Membership.Role.ADMIN):
    return team.invitation_create(business=business, email=email, role=role, actor=SYSTEM)


def _link(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0)


# ---------------------------------------------------------------- services


def test_invitation_is_emailed_after_commit_with_a_link_from_the_public_base_url(
    business, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://hub.example.com"
    business.support_email = "help@acme.test"
    business.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = _invite(business)
    assert invitation.email == "new@example.com" and invitation.role == "admin"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"] and message.reply_to == ["help@acme.test"]
    assert _link(message.body) == f"https://hub.example.com/accounts/invitations/{token}/"
    assert token not in Invitation.objects.get().token_hash  # only a hash is kept
    assert Event.objects.filter(type="invitation.created", object_id=invitation.pk).exists()


def test_inviting_an_address_again_resends_the_same_invitation_with_a_new_link(business):
    first, old_token = _invite(business, email="New@Example.com")
    again, new_token = _invite(business, email="new@example.com", role="viewer")
    assert again.pk == first.pk and again.role == "viewer"
    assert Invitation.objects.count() == 1
    with pytest.raises(InvitationInvalid):
        team.invitation_find(old_token)
    assert team.invitation_find(new_token).pk == first.pk


def test_a_member_cannot_be_invited(business, owner):
    with pytest.raises(AlreadyMember):
        _invite(business, email=owner.username.upper())


def test_new_invitee_joins_with_a_password_once(business):
    _invitation, token = _invite(business)
    membership = team.invitation_accept(token=token, password="a long enough passphrase")
    assert membership.role == "admin" and membership.business == business
    assert membership.user.check_password("a long enough passphrase")
    assert Event.objects.filter(type="membership.created").exists()
    with pytest.raises(InvitationInvalid):  # used once
        team.invitation_accept(token=token, password="another passphrase!!")


def test_expired_and_revoked_invitations_do_not_work(business):
    invitation, token = _invite(business)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(InvitationInvalid):
        team.invitation_accept(token=token, password="a long enough passphrase")
    # Resending revives it with a fresh link; revoking ends it.
    _inv, fresh = team.invitation_resend(invitation=invitation, actor=SYSTEM)
    team.invitation_revoke(invitation=invitation, actor=SYSTEM)
    with pytest.raises(InvitationInvalid):
        team.invitation_accept(token=fresh, password="a long enough passphrase")
    assert [e.type for e in Event.objects.order_by("created_at", "id")][-2:] == [
        "invitation.resent",
        "invitation.revoked",
    ]


def test_an_existing_login_joins_as_itself_only(business, other_business):
    someone = MembershipFactory(business=other_business, role="owner").user
    _invitation, token = _invite(business, email=someone.username)
    stranger = UserFactory()
    with pytest.raises(Exception, match="another e-mail"):
        team.invitation_accept(token=token, user=stranger)
    membership = team.invitation_accept(token=token, user=someone)
    assert set(someone.memberships.values_list("business__name", flat=True)) == {
        "Acme Corp",
        "Globex",
    }
    assert membership.role == "admin"


def test_the_last_owner_can_be_neither_demoted_nor_removed(business, owner):
    only = Membership.objects.get(user=owner)
    with pytest.raises(LastOwner):
        team.membership_role_change(membership=only, role="admin", actor=SYSTEM)
    with pytest.raises(LastOwner):
        team.membership_remove(membership=only, actor=SYSTEM)
    second = MembershipFactory(business=business, role="owner")
    team.membership_role_change(membership=only, role="viewer", actor=SYSTEM)
    with pytest.raises(LastOwner):
        team.membership_remove(membership=second, actor=SYSTEM)
    event = Event.objects.get(type="membership.role_changed")
    assert event.payload == {"user": owner.username, "from": "owner", "to": "viewer"}


def test_ownership_transfer_swaps_roles_in_one_step(business, owner):
    giver = Membership.objects.get(user=owner)
    taker = MembershipFactory(business=business, role="viewer")
    team.ownership_transfer(
        business=business, from_membership=giver, to_membership=taker, actor=SYSTEM
    )
    giver.refresh_from_db()
    taker.refresh_from_db()
    assert (giver.role, taker.role) == ("admin", "owner")
    assert Event.objects.filter(type="ownership.transferred").count() == 1


# ---------------------------------------------------------------- views


def test_owner_sees_members_with_role_and_last_login(owner_client, owner, business):
    viewer = MembershipFactory(business=business, role="viewer").user
    MembershipFactory(role="owner", user=UserFactory(username="elsewhere@example.com"))
    _invite(business, email="pending@example.com")
    page = owner_client.get(TEAM).content.decode()
    assert owner.username in page and viewer.username in page
    assert "pending@example.com" in page
    assert "elsewhere@example.com" not in page  # another business's member
    assert "Send invitation" in page and "Transfer ownership" in page


def test_admin_sees_the_team_but_cannot_change_it(client, business):
    admin = MembershipFactory(business=business, role="admin").user
    target = MembershipFactory(business=business, role="viewer")
    client.force_login(admin)
    page = client.get(TEAM)
    assert page.status_code == 200 and "Send invitation" not in page.content.decode()
    response = client.post(reverse("team_member_role", args=[target.pk]), {"role": "owner"})
    assert response.status_code == 403
    assert (
        client.post(reverse("team_invite"), {"email": "x@example.com", "role": "owner"}).status_code
        == 403
    )
    target.refresh_from_db()
    assert target.role == "viewer"


def test_viewer_cannot_see_the_team(viewer_client):
    assert viewer_client.get(TEAM).status_code == 403


def test_invite_from_the_page_and_bad_input(owner_client, business):
    bad = owner_client.post(reverse("team_invite"), {"email": "not-an-email", "role": "boss"})
    assert bad.status_code == 200 and Invitation.objects.count() == 0
    assert "Enter a valid email address." in bad.content.decode()
    ok = owner_client.post(reverse("team_invite"), {"email": "ann@example.com", "role": "viewer"})
    assert ok.status_code == 302
    assert EmailLog.objects.filter(recipient="ann@example.com", email_type="team_invitation")


def test_members_and_invitations_of_another_business_are_404(owner_client, other_business):
    stranger = MembershipFactory(business=other_business, role="viewer")
    invitation, _token = _invite(other_business)
    assert owner_client.post(reverse("team_member_remove", args=[stranger.pk])).status_code == 404
    assert owner_client.post(reverse("invitation_revoke", args=[invitation.pk])).status_code == 404
    assert Membership.objects.filter(pk=stranger.pk).exists()


def test_removing_the_last_owner_from_the_page_says_why(owner_client, owner):
    only = Membership.objects.get(user=owner)
    response = owner_client.post(reverse("team_member_remove", args=[only.pk]), follow=True)
    assert "at least one owner" in response.content.decode()
    assert Membership.objects.filter(pk=only.pk).exists()


def test_change_role_remove_and_transfer_from_the_page(owner_client, owner, business):
    member = MembershipFactory(business=business, role="viewer")
    owner_client.post(reverse("team_member_role", args=[member.pk]), {"role": "admin"})
    member.refresh_from_db()
    assert member.role == "admin"
    owner_client.post(reverse("team_transfer"), {"member": member.pk})
    member.refresh_from_db()
    assert member.role == "owner"
    assert Membership.objects.get(user=owner).role == "admin"
    # now an admin: the team cannot be changed any more
    gone = MembershipFactory(business=business, role="viewer")
    assert owner_client.post(reverse("team_member_remove", args=[gone.pk])).status_code == 403


def test_invitation_page_sets_a_password_and_signs_in(client, business):
    _invitation, token = _invite(business)
    url = reverse("invitation_accept", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "Acme Corp" in page.content.decode()
    short = client.post(url, {"password1": "short", "password2": "short"})
    assert short.status_code == 200 and not Membership.objects.filter(role="admin").exists()
    differ = client.post(url, {"password1": "a long passphrase 1", "password2": "another 2"})
    assert "The two passwords differ." in differ.content.decode()
    joined = client.post(
        url, {"password1": "a long passphrase 1", "password2": "a long passphrase 1"}
    )
    assert joined.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 200
    reused = client.get(url)
    assert reused.status_code == 404


def test_invitation_page_for_an_existing_login_asks_to_sign_in(client, business, other_business):
    someone = MembershipFactory(business=other_business, role="owner").user
    _invitation, token = _invite(business, email=someone.username)
    url = reverse("invitation_accept", args=[token])
    assert "Sign in to join" in client.get(url).content.decode()
    assert client.post(url, {}).status_code == 200  # not signed in: nothing happens
    assert not Membership.objects.filter(business=business, user=someone).exists()
    client.force_login(someone)
    assert client.post(url).status_code == 302
    assert Membership.objects.get(business=business, user=someone).role == "admin"


def test_invitation_page_refuses_another_signed_in_account(client, business, owner):
    _invitation, token = _invite(business, email="someone@example.com")
    client.force_login(owner)
    response = client.post(reverse("invitation_accept", args=[token]))
    assert "another e-mail address" in response.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_unknown_invitation_token_is_a_clear_404(client):
    response = client.get(reverse("invitation_accept", args=["nope"]))
    assert response.status_code == 404 and "not valid" in response.content.decode()


def test_settings_nav_links_team_and_business(owner_client):
    page = owner_client.get(reverse("api_keys")).content.decode()
    assert reverse("team") in page and reverse("business_profile") in page


def test_invitation_tokens_are_kept_out_of_logs(business):
    _invitation, token = _invite(business)
    line = f"GET {reverse('invitation_accept', args=[token])} HTTP/1.1"
    assert token not in redact(line) and "/accounts/invitations/[redacted]" in redact(line)
