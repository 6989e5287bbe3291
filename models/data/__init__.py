"""Generated demo dataset: emoji classes on cluttered backgrounds, with 14x14 object masks."""

from .emoji_classes import EMOJI_CLASSES, LABELS, NUM_CLASSES  # noqa: F401
