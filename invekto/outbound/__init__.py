"""Invekto writes first: templates, rules (an event or a time → a template), campaigns.

Every message Invekto writes first is an ``OutboundSend`` row, scheduled once (a dedupe key per
rule and event, or per campaign and recipient) and sent by the channel's dispatcher
(``invekto.outbound.dispatch``), which checks at the send what may go: the 24-hour window, an
approved template, the customer's consent, quiet hours, the number's throughput and the
portfolio's daily tier. See ``docs/outbound.md``.
"""
