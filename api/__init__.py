"""The FastAPI gateway: the only process that faces users (widget, WhatsApp, agents, the shop).

Build it with ``api.main.create_app(settings)``; nothing is created at import time.
"""
