"""Value types, instruments, orders and positions: pure data and state machines, no I/O."""
