"""A citizen's report: draft steps, answers and their rules, assessment, incident time, evidence, submission."""
