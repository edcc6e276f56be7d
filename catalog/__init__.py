"""Catalogue: products and stock per store."""
