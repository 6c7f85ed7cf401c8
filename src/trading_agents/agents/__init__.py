"""Agents: brains, the decision graph with its nodes, and the runner with its gate."""
