"""Orders: the customer-scoped store, its admin CLI and the demo data (the shapes: ``bot.schemas``)."""
