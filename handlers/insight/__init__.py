"""Insight (issue 14): /statistik, /peta, /ekspor and /ringkasan in supervisors groups."""
