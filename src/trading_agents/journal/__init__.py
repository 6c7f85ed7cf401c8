"""The journal: what the service did, stored so that it survives a restart and can be audited."""
