"""Insight (issue 14): statistics, charts, the map of reports, exports and daily digests."""
