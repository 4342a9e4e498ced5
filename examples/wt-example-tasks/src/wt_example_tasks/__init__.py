"""Example task library for the wt example workflows."""
