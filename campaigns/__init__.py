"""Campaigns: the follow-up flows (what triggers each, its settings, its message written at send
time), segments, broadcast campaigns, recommendations and their results. Messages go through
line/'s delivery ledger and multicast batches."""
