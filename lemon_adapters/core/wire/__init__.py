"""Bytes in, events out, pure: SSE (and Gemini's JSON-array) framing, field readers, one
mapper per wire format (Responses, Chat Completions, Anthropic Messages, Gemini), the stop
filter and the accumulator.

A new wire format is one mapper here plus one body builder in :mod:`..request`.
"""
