"""Measurements (accuracy, speed). Numbers go to docs/, never into timed unit tests."""
