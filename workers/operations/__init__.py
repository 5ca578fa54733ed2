"""The host worker's side of operations: run each through `engine`, stream its progress, report its end."""
