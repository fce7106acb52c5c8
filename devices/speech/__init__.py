"""Voice announcements (语音播报): the role in ``base``, drivers beside it."""

from devices.speech.base import SpeechOutput

__all__ = ["SpeechOutput"]
