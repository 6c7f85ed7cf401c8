"""Alerts that reach a person: rules, a durable outbox, and the sinks that deliver them."""
