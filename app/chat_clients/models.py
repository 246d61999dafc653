"""The model names a chat client can pick, one per coaching mode."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientModel:
    id: str
    description: str


MODELS: tuple[ClientModel, ...] = (
    ClientModel("softstart-coach", "The chat coach: reflects, names the cycle, offers a technique and a gentler message."),
    ClientModel("softstart-rewrite", "Rewrites your last message as a soft start-up (or a break script) and says why."),
    ClientModel("softstart-ask", "Answers a question about the pursuer-distancer cycle from the knowledge base, with sources."),
)
MODEL_IDS: tuple[str, ...] = tuple(m.id for m in MODELS)


class UnknownModel(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"The model {str(name)[:100]!r} does not exist. Available: {', '.join(MODEL_IDS)}")
