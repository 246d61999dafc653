"""Two partners: invites, private-by-default sharing, the shared "Together" space, safety for two."""
