"""Storage of the privacy feature: everything about one person, its erasure, and the personal data log."""
