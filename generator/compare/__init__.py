"""Comparison, pure: the expected and the live database in, structured changes out; the text and JSON reports."""
