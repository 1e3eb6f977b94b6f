"""Understanding a message: language, intent, entities, signals (see ``types.Understander``)."""

from invekto.nlu.rules import RuleUnderstander
from invekto.nlu.types import Entities, Understander, Understanding

__all__ = ["Entities", "RuleUnderstander", "Understander", "Understanding"]
