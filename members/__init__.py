"""Members: LINE friends as light members, full-member profiles, cards, consents, the points
ledger, and ranks given a spend (purchases/ adds the spend up)."""
