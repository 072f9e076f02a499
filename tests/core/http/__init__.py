"""Fault suite: the clients against a scripted HTTP/1.1 server on 127.0.0.1."""
