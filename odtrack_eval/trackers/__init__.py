"""Trackers: the pytracking-style interface, the registry and the shipped implementations.

Importing this package never imports torch; implementations are loaded lazily by name.
"""
