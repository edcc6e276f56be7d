"""Point of sale: the register API, the cashier page, register keys, member tokens, scans and
online order import. Purchases themselves are recorded by purchases/."""
