"""Messaging channels outside the web widget: WhatsApp through the Cloud API or through Twilio.

Framework-free helpers: signature checks, payload parsing, plain-text rendering of bot replies
and the outbound send calls (async httpx, always with a timeout). The gateway's webhook routes
are thin wrappers around these.
"""
