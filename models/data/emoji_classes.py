"""The demo dataset's classes: Noto Color Emoji glyphs with human names.

Chosen to be visually distinct (shape and colour) so a small ViT trained from scratch on a 2-core CPU
learns them quickly. Glyphs come from the Debian package ``fonts-noto-color-emoji``
(NotoColorEmoji.ttf; Noto Emoji images are Apache-2.0, font under SIL OFL 1.1).
"""
from __future__ import annotations

# (human name, emoji string); index in this list = class index = logit index.
EMOJI_CLASSES: list[tuple[str, str]] = [
    ("cat face", "\U0001F431"),
    ("dog face", "\U0001F436"),
    ("frog", "\U0001F438"),
    ("penguin", "\U0001F427"),
    ("octopus", "\U0001F419"),
    ("butterfly", "\U0001F98B"),
    ("turtle", "\U0001F422"),
    ("elephant", "\U0001F418"),
    ("red apple", "\U0001F34E"),
    ("banana", "\U0001F34C"),
    ("watermelon", "\U0001F349"),
    ("pizza", "\U0001F355"),
    ("doughnut", "\U0001F369"),
    ("mushroom", "\U0001F344"),
    ("sunflower", "\U0001F33B"),
    ("cactus", "\U0001F335"),
    ("car", "\U0001F697"),
    ("rocket", "\U0001F680"),
    ("bicycle", "\U0001F6B2"),
    ("soccer ball", "\u26BD"),
    ("guitar", "\U0001F3B8"),
    ("key", "\U0001F511"),
    ("umbrella", "\u2614"),
    ("alarm clock", "\u23F0"),
]

LABELS: list[str] = [name for name, _ in EMOJI_CLASSES]
NUM_CLASSES = len(EMOJI_CLASSES)

FONT_PATH = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
FONT_PACKAGE = "Debian fonts-noto-color-emoji (NotoColorEmoji.ttf)"
FONT_LICENSE = "Noto Emoji images: Apache License 2.0; font: SIL Open Font License 1.1"
FONT_STRIKE_SIZE = 109  # the colour bitmap strike size of NotoColorEmoji.ttf
