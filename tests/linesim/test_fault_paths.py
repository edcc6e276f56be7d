"""Faults can be limited to one endpoint, e.g. a reply fails while profile calls still work."""

from tests.linesim.helpers import call_line, push_text


def test_faults_under_a_path_prefix_leave_other_calls_alone(sim, base_url, friend):
    sim.set_faults(error_rate=1.0, path_prefix="/v2/bot/message/push")
    assert push_text(base_url, friend["userId"]).status == 500
    assert call_line(base_url, "GET", f"/v2/bot/profile/{friend['userId']}").status == 200

    sim.clear_faults()
    assert sim.set_faults(burst_429=1)["path_prefix"] == ""  # cleared: every call again
    assert call_line(base_url, "GET", f"/v2/bot/profile/{friend['userId']}").status == 429
