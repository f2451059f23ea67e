"""Every data shape of supportbot, each in one place: pydantic (v1) models used by the store, the
CLI, the HTTP routes (request and response models, hence ``/openapi.json``) and the actions.

- ``base``: the base model, UTC timestamps, the limits and field errors;
- ``orders`` and ``customers``: what the shop syncs and the store keeps;
- ``decisions``: the eligibility engine's decision and the rendered verdicts channels show;
- ``conversations``: messages, conversations, tickets and bot replies;
- ``chat``: the bodies of the widget, agent console and agent assist endpoints;
- ``search``: help-center search results and articles.
"""
