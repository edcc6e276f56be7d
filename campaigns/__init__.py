"""Campaigns: the follow-up flows (what triggers each, its settings, its message written at send
time), recommendations and their results. Messages go through line/'s delivery ledger."""
