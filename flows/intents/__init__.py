"""Intent detection for free Japanese (and English) messages."""

from flows.intents.classifier import LABELS, REQUEST_LABELS, Classification, classify

__all__ = ["LABELS", "REQUEST_LABELS", "Classification", "classify"]
