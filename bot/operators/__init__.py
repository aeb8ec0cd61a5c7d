"""What operators do from the command line, and the single-instance lock."""
