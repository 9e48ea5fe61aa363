"""The console's colours keep a contrast of at least 4.5:1 (KWCAG 2.2, WCAG 1.4.3) for every pair
of text and background its stylesheet puts together."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "api" / "static" / "axflow.css").read_text()
WHITE = "#ffffff"


def variables() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", CSS)
    assert root, "axflow.css declares its colours in :root"
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast("#777777", WHITE) == pytest.approx(4.48, abs=0.01)  # the classic just-failing grey


TEXT = ("ink", "muted", "accent", "warn")
BACKGROUNDS = ("bg", "panel", "overdue-bg")


@pytest.mark.parametrize("text", TEXT)
@pytest.mark.parametrize("background", BACKGROUNDS)
def test_text_on_every_background(text: str, background: str) -> None:
    v = variables()
    assert contrast(v[text], v[background]) >= 4.5, (text, background, round(contrast(v[text], v[background]), 2))


@pytest.mark.parametrize("background", ["accent", "warn", "ink"])
def test_white_text_on_buttons_badges_and_the_skip_link(background: str) -> None:
    assert contrast(WHITE, variables()[background]) >= 4.5
