"""Rasa custom actions (rasa-sdk), served by `rasa run actions --actions actions`.

Thin by design: each action reads the tracker, calls one bot/ service through
``actions.services.Services`` and turns the result into messages and events. Wording lives in
``bot.assistant.replies``; rules in ``bot.policy``; docs/dialogue.md explains the dialogue.
"""
