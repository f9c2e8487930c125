"""Truncated labels come from Django's Truncator: one rule, normalised text."""

from tracker.models import Action


def test_an_action_label_is_cut_at_80_characters_of_normalised_text():
    action = Action(text="Café policy " * 20)
    decomposed = Action(text="Cafe\u0301 policy " * 20)

    assert str(action) == ("Café policy " * 20)[:79] + "…"
    assert str(decomposed) == str(action)  # the combining accent is one character
    assert str(Action(text="Short.")) == "Short."
