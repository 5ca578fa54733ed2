"""What every Berth websocket shares: authentication, origin checks, refusals with close codes."""
