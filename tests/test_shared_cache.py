"""REDIS_URL selects Django's Redis cache (shared by every worker); without it the
cache is per process, and `check --deploy` says so when DEBUG is off."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from customers.core.checks import shared_cache_check


def run(*args, **env):
    environ = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environ.update({"SECRET_KEY": "s" * 60, "DEBUG": "0", "ALLOWED_HOSTS": "hub.test", **env})
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=environ, capture_output=True, text=True
    )


CACHES = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.CACHES['default']))"
)


@pytest.mark.parametrize(
    ("env", "backend", "prefix"),
    [
        ({}, "django.core.cache.backends.locmem.LocMemCache", None),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/3"},
            "django.core.cache.backends.redis.RedisCache",
            "hub",
        ),
        (
            {"REDIS_URL": "redis://cache:6379/0", "CACHE_KEY_PREFIX": "shop"},
            "django.core.cache.backends.redis.RedisCache",
            "shop",
        ),
    ],
)
def test_redis_url_selects_the_shared_cache(env, backend, prefix):
    result = run("-c", CACHES, DJANGO_SETTINGS_MODULE="config.settings", **env)
    cache = json.loads(result.stdout)
    assert cache["BACKEND"] == backend
    assert cache.get("KEY_PREFIX") == prefix
    if "REDIS_URL" in env:
        assert cache["LOCATION"] == env["REDIS_URL"]


def test_check_deploy_warns_about_a_per_process_cache():
    warned = run("manage.py", "check", "--deploy")
    assert "customers.W001" in warned.stderr + warned.stdout
    assert "Set REDIS_URL" in warned.stderr + warned.stdout
    shared = run("manage.py", "check", "--deploy", REDIS_URL="redis://127.0.0.1:6379/3")
    assert "customers.W001" not in shared.stderr + shared.stdout


def test_no_warning_in_development(settings):
    settings.DEBUG = True
    assert shared_cache_check(None) == []
    settings.DEBUG = False
    assert [w.id for w in shared_cache_check(None)] == ["customers.W001"]
