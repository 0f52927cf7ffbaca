"""gunicorn's production settings: `gunicorn config.wsgi -c python:config.gunicorn`.

The access log goes to stdout and never holds a token: query strings are dropped
(signed invoice links carry `?token=`), and token paths — portal links, e-mail
change confirmations, password resets — are redacted (`/portal/session/[redacted]/`),
in the request line, the Referer and any header or environ value a custom
`access_log_format` might add.
"""

from gunicorn.glogging import Logger

from portal.logging import redact

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


def _clean(value: str) -> str:
    return redact(value.split("?", 1)[0])


class RedactingLogger(Logger):
    """gunicorn's logger with the URL atoms cleaned before formatting."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = _clean(environ.get("PATH_INFO", ""))
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = path
        atoms["q"] = ""
        atoms["f"] = _clean(environ.get("HTTP_REFERER", "-"))
        for name, value in atoms.items():
            if name.startswith("{") and isinstance(value, str):
                atoms[name] = _clean(value)
        return atoms


logger_class = RedactingLogger
