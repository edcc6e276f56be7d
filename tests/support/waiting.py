"""Waiting for a condition instead of sleeping a fixed time: as fast as the machine allows, and
still correct on a loaded one."""

import time


def wait_until(condition, *, timeout=30.0, interval=0.02, what="the condition"):
    """Poll `condition()` until it is truthy (returned) or `timeout` seconds pass (failure)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
