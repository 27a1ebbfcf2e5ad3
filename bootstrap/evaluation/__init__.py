"""Scoring and using a shared space: BLI scores, lexicon induction, and re-rankers of candidates."""
