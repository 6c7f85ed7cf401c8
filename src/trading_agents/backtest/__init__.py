"""Historical runs over the kernel, and their reports."""
