"""Streams between the host worker and the browser, through the Channels Redis layer:
terminals, attach, logs, stats and operation progress."""
