"""One request's life over HTTP, pure apart from the drivers and the pools:

* ``config`` (what a client's calls share), ``deadline`` (the whole call's time limit),
  ``retry`` (backoff, what is retried), ``routes`` (where each API lives, what a route
  rejection is, the ``auto`` memory), ``scrub`` (the key out of errors), ``facts`` (what
  response headers say);
* ``flow`` (the exchange as one generator, and what every exchange shares), ``exchange``
  (a chat call: stream, resume, fallback, stall limit), ``json_exchange`` (models,
  embeddings, rerank);
* ``drivers`` (the two trampolines over httpx: the only I/O), ``streams`` (the stream
  objects the clients return), ``pools`` (an adapter's clients: one pool per event loop and
  process).
"""
