"""The REST API: the platform's contract on port 8003, thin routes over the use cases."""
