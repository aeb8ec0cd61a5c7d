"""Insight (issue 14): the SQL of statistics, exports and daily digests."""
