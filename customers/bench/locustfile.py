"""The load generator's script for `manage.py loadtest` (run by locust, headless, in
its own process: locust patches the standard library with gevent, so nothing of
Django is imported here).

The plan comes as JSON in the file named by LOADTEST_PLAN: the routes with their
weights and credentials, one dashboard and one portal session per simulated user, an
API key, whether to send each request to its floor instead, and each user's pace
(`per_user_rate` requests a second; none: a closed loop). A paced user sends at
random (Poisson) times on a schedule of its own, so the users together arrive as a
steady stream of that total rate rather than in step; one that falls behind (a
saturated server) sends at once until it has caught up.
"""

import itertools
import json
import os
import random
import time
import uuid

import gevent
from locust import FastHttpUser, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115, PTH123
ROUTES = PLAN["routes"]
WEIGHTS = [route["weight"] for route in ROUTES]
RATE = PLAN.get("per_user_rate")  # requests a second per user; None: no pacing
_users = itertools.count()


class Client(FastHttpUser):
    def wait_time(self) -> float:
        """Paced: until this user's next arrival time; a closed loop: none."""
        if not RATE:
            return 0.0
        self.next_at += self.rng.expovariate(RATE)
        return max(0.0, self.next_at - time.monotonic())

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
        if RATE:
            gevent.sleep(self.rng.expovariate(RATE))  # the users start out of step
        self.next_at = time.monotonic()

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
