"""Accounts: logging in, personal API tokens."""
