"""The load generator's script for `manage.py loadtest` (run by locust, headless, in
its own process: locust patches the standard library with gevent, so nothing of
Django is imported here).

The plan comes as JSON in the file named by LOADTEST_PLAN: the routes with their
weights and credentials, one dashboard and one portal session per simulated user, an
API key, and whether to send each request to its floor instead.
"""

import itertools
import json
import os
import random
import uuid

from locust import FastHttpUser, constant, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115, PTH123
ROUTES = PLAN["routes"]
WEIGHTS = [route["weight"] for route in ROUTES]
_users = itertools.count()


class Client(FastHttpUser):
    wait_time = constant(0)  # a closed loop: each user sends its next request at once

    def on_start(self):
        n = next(_users)
        owner = PLAN["owner_sessions"][n % len(PLAN["owner_sessions"])]
        portal = PLAN["portal_sessions"][n % len(PLAN["portal_sessions"])]
        self.headers = {
            "owner": {"Cookie": owner},
            "portal": {"Cookie": portal},
            "api": {"Authorization": f"Bearer {PLAN['api_key']}"},
        }
        self.rng = random.Random(n)

    @task
    def one_request(self):
        route = self.rng.choices(ROUTES, weights=WEIGHTS)[0]
        path = route["floor_path"] if PLAN["floor"] else route["path"]
        headers = self.headers[route["auth"]]
        if route["method"] == "POST":
            body = json.loads(json.dumps(route["body"]).replace("{key}", uuid.uuid4().hex))
            self.client.post(path, json=body, headers=headers, name=route["name"])
        else:
            self.client.get(path, headers=headers, name=route["name"])
