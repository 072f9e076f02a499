"""One request's life over HTTP: configuration, deadline, retry and route rules, the pure
exchange, the connection pools, and the two drivers (the only I/O in the core)."""
