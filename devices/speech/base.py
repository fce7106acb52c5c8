"""Voice announcements (语音播报): calling numbers and short prompts read aloud.

Real drivers: espeak-ng or SAPI through pyttsx3; a Qt TextToSpeech driver would live in ui/.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class SpeechOutput(Protocol):
    """语音播报. Call only from the device's own thread; announcements never overlap."""

    def say(self, text: str) -> None:
        """Speak ``text`` and return when it has been spoken. Raises DeviceUnavailable if the
        speech engine or the audio output is gone."""
        ...
