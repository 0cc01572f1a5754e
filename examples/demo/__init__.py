"""Heron's demo app: ``make demo`` serves it on http://127.0.0.1:8000."""
