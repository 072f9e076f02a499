"""The neutral call (messages, tools, typed options) and one body builder per wire format."""
