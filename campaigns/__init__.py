"""Campaigns: flows, broadcasts and the message delivery ledger."""
