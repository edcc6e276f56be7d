"""Point of sale: stores, registers and purchases (store receipts and online orders)."""
