"""Satisfaction evaluators (评价器): the role and ratings in ``base``, drivers beside it."""

from devices.evaluator.base import RATING_LABELS, Evaluator, Rating

__all__ = ["RATING_LABELS", "Evaluator", "Rating"]
