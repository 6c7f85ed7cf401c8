"""Use cases of the service: start, pause, resume, stop, signal, query; no HTTP types."""
