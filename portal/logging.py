"""Keep tokens out of logs: request lines name /portal/session/<token>/, the e-mail
change link /portal/profile/email/<token>/, the password reset link
/accounts/reset/<uidb64>/<token>/ and a team invitation /accounts/invitations/<token>/."""

import logging
import re

_TOKEN_PATHS = re.compile(
    r"(/portal/(?:session|profile/email)/|/accounts/invitations/|/accounts/reset/[^/\s\"']+/)"
    r"[^/\s\"'?]+"
)


def redact(text: str) -> str:
    return _TOKEN_PATHS.sub(r"\1[redacted]", text)


class RedactPortalTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
