"""Alerts: rules of a team decide which events on which of its hosts fire an alert, which channels
hear of it, and how often; alerts resolve themselves when the condition clears."""
