"""The dashboard: every host the user may see, live."""
