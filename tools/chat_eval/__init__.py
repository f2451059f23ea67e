"""`supportbot eval answers` and `supportbot eval dialogs`: the whole assistant, graded on facts.

Questions and conversations (``eval/``, format in the modules below) go through the real
assistant, either a running gateway (``--url``) or an action server and a Rasa server this
package starts for the run; each reply is graded on the facts it must (and must not) contain.

- ``data``: reads and checks the question and dialog files (bad input: ``UsageError``).
- ``grading``: what a turn's reply text is, whether it passes, and when it is a fallback.
- ``stack``: starts and stops the action server and Rasa on free loopback ports.
- ``runner``: sends the turns through a transport (Rasa's REST channel or the gateway).
- ``report``: the figures and what is printed; ``cli``: the two commands.
"""
