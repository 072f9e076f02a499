"""The sans-I/O streaming core: SSE decoding, wire mapping, accumulation, request bodies.

Only :mod:`lemon_adapters.core.http.drivers` does I/O (behind :mod:`lemon_adapters.core.client`).
"""
