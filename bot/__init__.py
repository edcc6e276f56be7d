"""The LINE bot: webhook, event handlers, chat commands and message builders."""
