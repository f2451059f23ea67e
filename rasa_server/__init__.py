"""Code the Rasa server loads by name from ``credentials.yml`` and ``endpoints.yml``.

- ``rasa_server.channel.GatewayInput``: the REST channel the gateway talks to. Unlike Rasa's
  ``rest`` channel it reports a failed turn as a failure (HTTP 503) instead of an empty answer,
  and returns the recognised intent and the turn's timings with the bot's messages.
- ``rasa_server.lock_store.AtomicRedisLockStore``: Rasa's ``RedisLockStore`` with every ticket
  change made atomic, so replicas sharing one Redis keep each conversation's messages in order.

Like ``nlu_components/`` it runs inside Rasa (imported from the working directory), so it may
import Rasa; ``bot/`` never imports it.
"""
