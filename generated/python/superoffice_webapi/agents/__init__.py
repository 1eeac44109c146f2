"""One module per agent or REST entity, loaded by the client on first use."""
