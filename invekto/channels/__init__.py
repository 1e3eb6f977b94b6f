"""Messaging channels: a normalised inbound/outbound contract and its WhatsApp implementation."""
