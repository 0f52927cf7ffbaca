"""When a merchant session started and was last used, kept in the session itself
(read by customers.accounts.middleware.MerchantSessionTimeoutMiddleware)."""

import time

SIGNED_IN_AT = "signed_in_at"  # epoch seconds of the sign-in
SEEN_AT = "seen_at"  # epoch seconds of the latest request, to the minute


def session_started(sender, request, user, **kwargs):
    """`user_logged_in` receiver: stamp the new session as the sign-in writes it, so the
    first page after signing in writes nothing more."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = int(time.time())
