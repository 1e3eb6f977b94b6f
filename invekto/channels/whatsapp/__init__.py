"""WhatsApp Cloud API channel: webhook signature, payload parsing and the send client."""
