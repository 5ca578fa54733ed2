"""Berth's host worker: the only process that talks to a Docker engine.

It reaches the rest of Berth only through Redis: tasks arrive on its queue `host.<slug>`,
reports leave as tasks on the `portal` queue. It has no database credentials.
"""
