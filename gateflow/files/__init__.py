"""Graphs to and from files: the JSON graph format and the exporter front end (render)."""
