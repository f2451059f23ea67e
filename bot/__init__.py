"""supportbot core: corpus, search, orders, policy. Framework-free (no Rasa, no FastAPI)."""
