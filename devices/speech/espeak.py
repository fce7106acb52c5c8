"""语音播报 with espeak-ng: a chime, then the announcement in Mandarin, played with ``aplay``.

espeak-ng's ``cmn`` voice treats the Latin pinyin of its own dictionary as English in release 1.51
(Debian 12: "请" comes out as English "king three"), so the ``cmn-latn-pinyin`` voice is preferred;
it reads "A001" as "A 零零一" the way halls call numbers. The chime and the speech are joined into
one WAV so there is no gap between them and one ``aplay`` call plays the whole announcement.

Without ``aplay`` (a machine with no ALSA utilities, a test container) ``say`` still writes the WAV
and the device reports the missing player as its health problem, so the status bar tells staff why
the hall hears nothing. A lock makes announcements from several threads play one after another.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import wave
from pathlib import Path
from typing import Final

import numpy as np

from app.errors import DeviceUnavailable
from devices.registry import DriverContext

log = logging.getLogger(__name__)

#: Mandarin voices, best first (see the module docstring for why plain "cmn" is second).
VOICES: Final = ("cmn-latn-pinyin", "cmn")
SPEED_WPM: Final = 150
SYNTH_TIMEOUT_S: Final = 30.0
#: Two falling tones (E5 then C5), the "ding-dong" halls use before a call.
CHIME_TONES_HZ: Final = (659.25, 523.25)
CHIME_TONE_S: Final = 0.35
CHIME_GAP_S: Final = 0.15
CHIME_VOLUME: Final = 0.4

_NO_ENGINE: Final = "未找到 espeak-ng 语音引擎，请安装 espeak-ng（tools/system-deps.sh run）后重启程序。"
_NO_PLAYER: Final = "未找到音频播放程序 aplay，叫号语音无法播放。请安装 alsa-utils 后重启程序。"


def chime_frames(sample_rate: int) -> bytes:
    """The chime as mono 16-bit PCM frames, with short fades and a decay so it never clicks."""
    parts = []
    for frequency in CHIME_TONES_HZ:
        t = np.arange(int(sample_rate * CHIME_TONE_S)) / sample_rate
        fade = np.minimum(1.0, np.minimum(t, CHIME_TONE_S - t) / 0.01)
        decay = 1.0 - 0.6 * t / CHIME_TONE_S
        parts.append(CHIME_VOLUME * fade * decay * np.sin(2 * np.pi * frequency * t))
        parts.append(np.zeros(int(sample_rate * CHIME_GAP_S)))
    samples = np.concatenate(parts)
    return bytes((samples * 32767).astype("<i2").tobytes())


def find_voice(executable: str) -> str:
    """The first of :data:`VOICES` this espeak-ng knows; ``cmn`` when the list cannot be read."""
    try:
        listing = subprocess.run(
            [executable, "--voices=zh"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return VOICES[-1]
    known = {line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1}
    return next((voice for voice in VOICES if voice in known), VOICES[-1])


class EspeakSpeech:
    """SpeechOutput through espeak-ng; see the module docstring."""

    def __init__(
        self,
        work_dir: Path,
        *,
        executable: str | None = None,
        player: str | None = None,
        voice: str | None = None,
        chime: bool = True,
    ) -> None:
        found = executable or shutil.which("espeak-ng")
        if found is None:
            raise DeviceUnavailable(_NO_ENGINE, device="speech")
        self._executable = found
        # player="" means "none": write the WAV only (tests, machines without speakers).
        self._player = (player if player is not None else shutil.which("aplay")) or None
        self._voice = voice or find_voice(found)
        self._chime = chime
        self._work_dir = work_dir
        self._lock = threading.Lock()
        self.last_wav: Path | None = None

    @property
    def voice(self) -> str:
        return self._voice

    def is_present(self) -> bool:
        return Path(self._executable).is_file()

    def health_problem(self) -> str | None:
        return None if self._player else _NO_PLAYER

    def synthesize(self, text: str, path: Path) -> Path:
        """Write ``text`` spoken (no chime) to the WAV file ``path``; returns ``path``."""
        if not text.strip():
            raise ValueError("nothing to say")
        path.parent.mkdir(parents=True, exist_ok=True)
        command = [self._executable, "-v", self._voice, "-s", str(SPEED_WPM), "-w", str(path), text]
        try:
            subprocess.run(command, capture_output=True, timeout=SYNTH_TIMEOUT_S, check=True)
        except FileNotFoundError as error:
            raise DeviceUnavailable(_NO_ENGINE, device="speech") from error
        except (subprocess.SubprocessError, OSError) as error:
            log.warning("espeak-ng failed: %s", error)
            raise DeviceUnavailable(
                "语音合成失败，请检查 espeak-ng 是否安装完整（详细原因见日志）。", device="speech"
            ) from error
        return path

    def announcement_wav(self, text: str, path: Path) -> Path:
        """Write the chime followed by ``text`` to ``path``: what :meth:`say` plays."""
        speech = self.synthesize(text, path.with_suffix(".speech.wav"))
        with wave.open(str(speech), "rb") as source:
            params = source.getparams()
            spoken = source.readframes(source.getnframes())
        speech.unlink()
        with wave.open(str(path), "wb") as target:
            target.setparams(params)
            if self._chime and params.nchannels == 1 and params.sampwidth == 2:
                target.writeframes(chime_frames(params.framerate))
            target.writeframes(spoken)
        return path

    def say(self, text: str) -> None:
        """Chime, then speak ``text``; returns when it has been played (or only written, without aplay)."""
        with self._lock:  # one announcement at a time, whoever calls
            wav = self.announcement_wav(text, self._work_dir / "speech" / "announcement.wav")
            self.last_wav = wav
            if self._player is None:
                log.warning("no audio player: announcement written to %s only", wav)
                return
            try:
                subprocess.run([self._player, "-q", str(wav)], capture_output=True, timeout=60, check=True)
            except (subprocess.SubprocessError, OSError) as error:
                log.warning("aplay failed: %s", error)
                raise DeviceUnavailable(
                    "叫号语音无法播放，请检查音箱连接和系统音量（详细原因见日志）。", device="speech"
                ) from error


def create(context: DriverContext) -> EspeakSpeech:
    return EspeakSpeech(context.work_dir)
