"""Who may do what: Berth's one policy. Views, the API and websocket consumers all ask it."""
