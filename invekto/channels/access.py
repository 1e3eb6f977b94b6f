"""What sending needs from the process, as a narrow port: the database and a WhatsApp client
for a channel. ``invekto.services.Services`` provides it."""

from __future__ import annotations

from typing import Protocol

from invekto.channels.whatsapp.client import WhatsAppClient
from invekto.storage.db import Database
from invekto.storage.models import Channel


class SendAccess(Protocol):
    db: Database

    def whatsapp_client(self, channel: Channel) -> WhatsAppClient: ...
