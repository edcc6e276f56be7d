"""Purchases in stores and online: recording, returns and voids, the rolling spend that sets
ranks, warranty ends and the member's purchase history."""
