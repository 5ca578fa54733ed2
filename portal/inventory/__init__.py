"""Mirroring the engines' containers and images: versions, tombstones and inventory reports.

Not an app: the containers and images apps hold the models; this holds what they share.
"""
