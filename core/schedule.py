"""Every periodic job, declared in one place. Cron fields are in business time (Asia/Tokyo)."""

from core import maintenance

# (job, queue, cron expression or interval in seconds)
SCHEDULE = [
    (maintenance.record_worker_heartbeat, "maintenance", {"interval": 60}),
    (maintenance.prune_webhook_events, "maintenance", {"cron": "30 4 * * *"}),
]
