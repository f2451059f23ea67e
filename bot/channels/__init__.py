"""Messaging channels: the web widget and WhatsApp through the Cloud API or through Twilio.

Framework-free helpers: signature checks, payload parsing, the one renderer of bot replies for
every channel (``render``: widget JSON, Cloud API interactive messages, Twilio text with numbered
options) and the outbound send calls (async httpx, always with a timeout). The gateway's webhook
routes are thin wrappers around these.
"""
