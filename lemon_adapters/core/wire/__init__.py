"""Bytes in, events out, pure: SSE framing, field readers, one mapper per wire format
(Responses, Chat Completions, Anthropic Messages), the stop filter and the accumulator.

A new wire format is one mapper here plus one body builder in :mod:`..request`.
"""
