"""Cited Q&A over medical-billing coding reports.

>>> from assistant import Assistant
>>> bot = Assistant.load()
>>> bot.ask("when do I use modifier 53?").text
"""

from __future__ import annotations

from .assistant import Assistant, Settings
from .errors import AssistantError
from .models import Answer, Citation, CodeWarning

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "CodeWarning", "Settings"]
