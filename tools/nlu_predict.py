"""Final NLU predictions for held-out examples, for `supportbot eval nlu`.

``rasa test nlu`` deliberately undoes FallbackClassifier predictions so its report shows the
intent the classifier picked; whether a message is *rejected* (``nlu_fallback``) is exactly
what the out-of-scope figures need, so this parses each text through the whole pipeline.
It imports Rasa, so it runs as a subprocess of `supportbot eval nlu` (``tools.nlu_eval``):

    python -m tools.nlu_predict MODEL.tar.gz EXAMPLES.json PREDICTIONS.json

``EXAMPLES.json`` is a list of ``{"text", "intent"}``; the output adds ``"predicted"`` and
``"confidence"`` (of the final intent, ``nlu_fallback`` included) and ``"ranking"``, the
classifier's top three ``[name, confidence]`` (what the fallback overrode, for tuning its
thresholds).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any


async def predict(model: Path, examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    for example in examples:
        parsed = await agent.parse_message(str(example["text"]))
        intent = parsed.get("intent") or {}
        ranking = [
            [entry.get("name"), entry.get("confidence")]
            for entry in parsed.get("intent_ranking") or []
            if entry.get("name") != "nlu_fallback"
        ]
        predictions.append(
            {
                "text": example["text"],
                "intent": example["intent"],
                "predicted": intent.get("name"),
                "confidence": intent.get("confidence"),
                "ranking": ranking[:3],
            }
        )
    return predictions


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m tools.nlu_predict MODEL EXAMPLES.json PREDICTIONS.json", file=sys.stderr)
        return 2
    model, examples_file, output_file = (Path(arg) for arg in argv)
    examples = json.loads(examples_file.read_text(encoding="utf-8"))
    predictions = asyncio.run(predict(model, examples))
    output_file.write_text(json.dumps(predictions, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
