"""The audit trail: who did what, to what, on which host, with what outcome, from where."""
