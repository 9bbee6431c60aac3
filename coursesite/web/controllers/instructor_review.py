"""Placeholder: filled in by the work on issue 3."""

ROUTES: list = []
