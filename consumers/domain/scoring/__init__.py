"""The health score: four components of penalties, each penalty a driver with a sentence.

See docs/scoring.md for every factor and its default weight.
"""

from consumers.domain.scoring.drivers import Components, Scored, ScoreDriver
from consumers.domain.scoring.score import score_as_of, scored_from
from consumers.domain.scoring.stability import Shock, shocks
from consumers.domain.scoring.support import ticket_penalty

__all__ = [
    "Components",
    "ScoreDriver",
    "Scored",
    "Shock",
    "score_as_of",
    "scored_from",
    "shocks",
    "ticket_penalty",
]
