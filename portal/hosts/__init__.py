"""Docker hosts: their identity, liveness and engine facts, as reported by host workers."""
