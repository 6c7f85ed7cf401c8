"""The kernel: clock, feed, venue, risk, portfolio, agents and journal, wired for every mode."""
