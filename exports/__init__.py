"""Data export (データ出力): the shop's data as CSV or JSON Lines, streamed, from the console
and the command line; personal data for admins only."""
