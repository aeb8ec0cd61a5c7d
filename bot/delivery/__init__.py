"""Getting updates in and messages out: inbox, update processing, outbox worker, pacing, rate limits, persistence."""
