"""Every periodic job, declared in one place. Cron fields are in business time (Asia/Tokyo)."""

from bot import events as webhook_events
from campaigns import broadcast_sending, triggers
from core import events as domain_events
from core import maintenance
from insights import jobs as insights_jobs
from line import sending
from purchases import ranks, stats

# (job, queue, cron expression or interval in seconds)
SCHEDULE = [
    (maintenance.record_worker_heartbeat, "maintenance", {"interval": 60}),
    (webhook_events.prune_webhook_events, "maintenance", {"cron": "30 4 * * *"}),
    # Webhook events whose job was lost (Redis down after the commit) or whose worker died.
    (webhook_events.process_pending_events, "realtime", {"interval": 60}),
    # Ranks whose 12-month spend has lapsed are lowered before the day's first sale.
    (ranks.lapse_ranks, "maintenance", {"cron": "0 4 * * *"}),
    # The per-member purchase summary segments read: 365-day windows move on, RFM re-ranked.
    (stats.refresh_member_stats, "maintenance", {"cron": "5 0 * * *"}),
    # The dashboard's daily aggregates (the console's home reads only these).
    (insights_jobs.refresh_dashboard_daily, "maintenance", {"cron": "30 0 * * *"}),
    # The delivery ledger is the follow-ups' schedule; this sends what has come due.
    (sending.release_due_deliveries, "followups", {"interval": 30}),
    # Domain events whose hand-off to the worker was lost.
    (domain_events.redispatch_lost_events, "maintenance", {"interval": 120}),
    # Date-based flows (warranty, win-back, upgrade prompts): mid-morning, after quiet hours.
    (triggers.daily_sweep, "followups", {"cron": "0 10 * * *"}),
    # Scheduled broadcasts whose time has come: audience frozen, sending started.
    (broadcast_sending.release_due_broadcasts, "campaigns", {"interval": 15}),
    # Broadcasts finished from the tables: batches due or left by a dead sender, recipients
    # not yet in a batch, and completion.
    (broadcast_sending.reconcile_broadcasts, "campaigns", {"interval": 60}),
]
