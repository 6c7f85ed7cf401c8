"""Clock port, ids, typed errors and decimal helpers: the base every package stands on."""
