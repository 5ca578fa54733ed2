"""`make run`: the whole Berth stack on one machine, in the foreground, stopped by Ctrl-C.

Not part of the portal (it starts before Django can, and probes the local Docker engine,
which the portal never touches).
"""
