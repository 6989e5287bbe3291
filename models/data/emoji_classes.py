"""The demo dataset's classes: Noto Color Emoji glyphs with human names.

Chosen to be visually distinct (shape and colour) so a small ViT trained from scratch on a 2-core CPU
learns them quickly. Glyphs come from the Debian package ``fonts-noto-color-emoji``
(NotoColorEmoji.ttf; Noto Emoji images are Apache-2.0, font under SIL OFL 1.1).
"""

from __future__ import annotations

# (human name, emoji string); index in this list = class index = logit index.
EMOJI_CLASSES: list[tuple[str, str]] = [
    ("cat face", "\U0001f431"),
    ("dog face", "\U0001f436"),
    ("frog", "\U0001f438"),
    ("penguin", "\U0001f427"),
    ("octopus", "\U0001f419"),
    ("butterfly", "\U0001f98b"),
    ("turtle", "\U0001f422"),
    ("elephant", "\U0001f418"),
    ("red apple", "\U0001f34e"),
    ("banana", "\U0001f34c"),
    ("watermelon", "\U0001f349"),
    ("pizza", "\U0001f355"),
    ("doughnut", "\U0001f369"),
    ("mushroom", "\U0001f344"),
    ("sunflower", "\U0001f33b"),
    ("cactus", "\U0001f335"),
    ("car", "\U0001f697"),
    ("rocket", "\U0001f680"),
    ("bicycle", "\U0001f6b2"),
    ("soccer ball", "\u26bd"),
    ("guitar", "\U0001f3b8"),
    ("key", "\U0001f511"),
    ("umbrella", "\u2614"),
    ("alarm clock", "\u23f0"),
]

LABELS: list[str] = [name for name, _ in EMOJI_CLASSES]
NUM_CLASSES = len(EMOJI_CLASSES)

FONT_PATH = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
FONT_PACKAGE = "Debian fonts-noto-color-emoji (NotoColorEmoji.ttf)"
FONT_LICENSE = "Noto Emoji images: Apache License 2.0; font: SIL Open Font License 1.1"
FONT_STRIKE_SIZE = 109  # the colour bitmap strike size of NotoColorEmoji.ttf
