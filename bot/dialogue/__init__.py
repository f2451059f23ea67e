"""The conversation, turn after turn: topic memory, follow-ups, questions back, recovery, MORE.

Framework-free, like the rest of ``bot/``: the Rasa actions read the tracker, build an ``Ask``,
call the ``HelpDesk`` and utter the ``Reply`` it returns. What decides is data, each table in one
module and tested without Rasa (docs/dialogue.md):

- ``lexicon``: subjects and details (payment method, country, carrier, platform, channel, code);
- ``topic``: the ``Topic`` kept in the ``topic`` slot, and what one message names;
- ``followup``: the cues that make a message a follow-up of the topic or a new question;
- ``rewrite``: a follow-up's search query, the topic's question with the new detail;
- ``scope``: whether an order question needs the buyer's order or the help center answers it;
- ``clarify``: the options of a question back (vague order problems, two close intents);
- ``desk``: the ``HelpDesk`` that answers, asks back, recovers and pages ("MORE").
"""

from bot.dialogue.desk import Ask, HelpCenter, HelpDesk, Reply, Utterance
from bot.dialogue.followup import Reading, read
from bot.dialogue.scope import needs_order
from bot.dialogue.topic import Topic

__all__ = ["Ask", "HelpCenter", "HelpDesk", "Reading", "Reply", "Topic", "Utterance", "needs_order", "read"]
