"""Operator and ML tooling beside the product: training, evaluation, benchmarks and `serve`.

Nothing in ``bot/``, ``api/`` or ``actions/`` imports this package; ``supportbot`` (``bot.cli``)
reaches it by module name only, and every module here imports its heavy libraries (Rasa, uvicorn,
httpx, the embedding model) inside the command handlers, so ``supportbot --help`` stays fast.
Unlike ``bot/``, tools may start Rasa (as a subprocess) and import it (``tools.nlu_predict``).
"""
