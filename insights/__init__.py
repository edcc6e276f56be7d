"""Insights: the console's dashboard. Daily aggregates of the customer structure, funnels,
cohorts and what the messages did, computed set-based from the members, purchases and
campaigns tables into dashboard_figures, so the dashboard page only reads stored rows."""
