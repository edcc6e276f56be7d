"""Catalogue: products, stores, stock per store and shoppers' restock requests."""
