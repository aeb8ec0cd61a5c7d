"""Storage of report drafts, submitted reports and conversation states."""
