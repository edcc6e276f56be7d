"""core.jobs tells registered packages about failed jobs, without knowing who they are."""

import pytest

from core import jobs


@pytest.fixture
def hooks():
    before = list(jobs.FAILURE_HOOKS)
    yield jobs.FAILURE_HOOKS
    jobs.FAILURE_HOOKS[:] = before


def test_a_failed_job_is_reported_to_each_hook_and_still_raises(app, session, hooks):
    seen = []
    jobs.on_failure(lambda queue, name, args, error: seen.append((queue, name, args, str(error))))
    jobs.on_failure(lambda *failure: 1 / 0)  # a broken hook hides nothing

    @jobs.job("maintenance")
    def fail(number):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail(3)
    assert ("maintenance", "fail", (3,), "boom") in seen


def test_a_job_that_succeeds_reports_nothing(app, session, hooks):
    seen = []
    jobs.on_failure(lambda *failure: seen.append(failure))

    @jobs.job("maintenance")
    def succeed():
        return "ok"

    assert succeed() == "ok"
    assert seen == []
