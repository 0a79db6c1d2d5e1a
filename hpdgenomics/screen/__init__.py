"""Single-sample screening: read inputs, apply rules, decide every gene's status."""
from .engine import ScreenInputs, screen_sample

__all__ = ["ScreenInputs", "screen_sample"]
