"""Checks: what a lab step requires, and their evaluation."""
