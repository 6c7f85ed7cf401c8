"""Signals from outside: the ML engine client, the webhook, validation, de-duplication."""
