"""The query path does no work twice: a question is encoded once per model."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.core import Assistant


def test_ask_encodes_the_question_once(assistant: Assistant,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    multi: Any = assistant.embedders["multi"]
    question = "Combien OpenAI a-t-il levé en octobre, au juste ?"  # asked by no other test
    assistant.ask("Qui investit dans Anthropic ?")  # the passages' sentences are encoded
    encoded: list[str] = []
    real = multi.model.encode
    monkeypatch.setattr(multi.model, "encode",
                        lambda texts, *a, **k: (encoded.extend(texts), real(texts, *a, **k))[1])
    answer = assistant.ask(question)
    assert answer.sources
    assert encoded.count(question) == 1, encoded
