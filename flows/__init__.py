"""Dialogue engine and request flows: pure turn logic with no channel or I/O of its own."""
