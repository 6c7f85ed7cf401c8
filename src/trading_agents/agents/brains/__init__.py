"""Brains: what turns the market, the positions and signals into a decision."""
