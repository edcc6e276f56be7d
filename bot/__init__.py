"""The LINE bot: webhook, event ledger, event handlers, chat commands, rich menus."""
