"""Storage of the operations tools: consistent copies of the database, the evidence it refers to, heartbeats."""
