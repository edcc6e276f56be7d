"""`make demo`: the whole product on embedded defaults, with demo data."""
