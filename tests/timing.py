"""Tests that count on the clock."""

import time


def within_one_window(window: int, *, need: float = 5.0) -> None:
    """Fixed-window limits count per `now // window`: a test that counts on several
    requests landing in one window waits for the next window if fewer than `need`
    seconds are left in this one (at most `need` seconds)."""
    left = window - time.time() % window
    if left < need:
        time.sleep(left + 0.05)
