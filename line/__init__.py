"""The one boundary to LINE: the SDK client, message builders, editable shopper texts, and the
delivery ledger with its sender. Every message to a shopper is a ledger row sent from here."""
