"""The portal's tasks: thin, they call `portal.links`."""

from celery import shared_task

from portal.links import magic_link_send


@shared_task(acks_late=True)
def portal_magic_link_send(business_id: str, email: str, language: str = "") -> None:
    """Send the sign-in link if `email` is a customer's (the request did not look)."""
    magic_link_send(business_id=business_id, email=email, language=language)
