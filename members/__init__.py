"""Members: LINE friends as light members, full-member profiles, consents and the points ledger."""
