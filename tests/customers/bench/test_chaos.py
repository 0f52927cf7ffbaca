"""`manage.py chaos` on its own throw-away PostgreSQL and Redis (a few minutes at most):
a PostgreSQL crash and restart and a Redis outage under load lose nothing."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from customers.bench.servers import missing_tools

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.timeout(400),
    pytest.mark.skipif(bool(missing_tools()), reason=f"chaos needs {', '.join(missing_tools())}"),
]


def test_chaos_loses_no_acknowledged_write_and_serves_again():
    done = subprocess.run(
        [sys.executable, "manage.py", "chaos", "--ops", "160"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=380,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    assert "FAIL" not in out and out.rstrip().endswith("No violations."), out
    for check in (
        "the app served again",
        "Redis down: no 5xx",
        "rate limits failed open",
        "every acknowledged ledger post and refund is in the database",
        "verify_ledgers: Checked",
    ):
        assert f"ok   {check}" in out, out
