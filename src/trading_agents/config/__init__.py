"""Settings from the environment, agent profiles and shipped reference data."""
