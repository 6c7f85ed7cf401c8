"""Each account's ordered stream of events and the consumers that subscribe to it."""
