"""Storage of people: their chosen and client languages."""
