"""Duplicate leads: match keys, candidate pairs with reasons, review groups, merge and undo."""
