"""What the messages did, per follow-up flow and per broadcast, over fixed periods (the last
30 and 90 days, each shown month): the figures of the 効果 pages (campaigns.attribution, and
campaigns.stats for taps), stored so the dashboard can put them side by side."""

from datetime import datetime, time, timedelta

from flask import current_app

from campaigns import attribution, stats
from insights.calendar import Months

ROLLING = {"last30": 30, "last90": 90}
FIGURES = ("recipients", "delivered", "clicked", "purchasers", "purchases", "revenue")


def periods(months: Months) -> dict[str, tuple[datetime, datetime]]:
    """Period key -> [since, until) in UTC: the last N business days up to now, and months."""
    tz = current_app.config["SETTINGS"].tz
    today = months.as_of.astimezone(tz).date()
    rolling = {key: (datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=tz),
                     months.as_of) for key, days in ROLLING.items()}
    return {**rolling, **{months.label(k): (months.start(k), months.end(k))
                          for k in months.shown}}


def message_effects(months: Months):
    """messages.<figure> per period, dimension "flow:<key>" or "broadcast:<id>"."""
    for period, (since, until) in periods(months).items():
        clicks = stats.flow_clicks(since, until)
        for flow in attribution.flow_results(since, until):
            yield from _figures(period, f"flow:{flow.key}", flow, clicks.get(flow.key, 0))
        started = attribution.broadcasts_started(since, until)
        totals = attribution.broadcast_totals([b.id for b in started])
        for broadcast in started:
            clicked = sum(variant.clicks for variant in broadcast.variants)
            yield from _figures(period, f"broadcast:{broadcast.id}", totals[broadcast.id]["sent"],
                                clicked)


def _figures(period, dimension, group, clicked):
    sales = group.sales_in("all")
    values = {"recipients": group.recipients, "delivered": group.delivered, "clicked": clicked,
              "purchasers": sales.purchasers, "purchases": sales.purchases,
              "revenue": sales.revenue}
    for name in FIGURES:
        yield f"messages.{name}", period, dimension, values[name]
