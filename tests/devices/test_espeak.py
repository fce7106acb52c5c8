"""语音播报 with the real espeak-ng: the announcement is written as speech of plausible length."""

from __future__ import annotations

import shutil
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from app.errors import DeviceUnavailable
from devices.manager import DeviceManager
from devices.speech import SpeechOutput, espeak

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng not installed (tools/system-deps.sh test)"
)

CALL = "请A001号到3号窗口办理"
SILENCE_RMS = 100  # 16-bit samples; espeak's speech is in the thousands


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as source:
        assert source.getnchannels() == 1
        assert source.getsampwidth() == 2
        rate = source.getframerate()
        samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2").astype(float)
    return samples, rate


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


def recording_player(tmp_path: Path, seconds: float = 0.0) -> tuple[str, Path]:
    """A stand-in for aplay that logs when it starts and ends playing a file."""
    log = tmp_path / "played.log"
    script = tmp_path / "player.sh"
    script.write_text(f'#!/bin/sh\necho "start $2" >> {log}\nsleep {seconds}\necho "end" >> {log}\n')
    script.chmod(0o755)
    return str(script), log


def test_announcement_is_synthesized_as_mandarin_speech(tmp_path: Path) -> None:
    speech = espeak.EspeakSpeech(tmp_path, player="")
    assert speech.voice == "cmn-latn-pinyin"  # the plain cmn voice of espeak-ng 1.51 reads pinyin as English
    wav = speech.synthesize(CALL, tmp_path / "call.wav")
    samples, rate = read_wav(wav)
    seconds = len(samples) / rate
    assert 1.5 <= seconds <= 8.0
    assert rms(samples) > SILENCE_RMS
    # Speech fills the file: at least half of its 100 ms slices are audible.
    slices = [samples[i : i + rate // 10] for i in range(0, len(samples), rate // 10)]
    assert sum(rms(s) > SILENCE_RMS for s in slices) >= len(slices) / 2


def test_say_plays_a_chime_then_the_call(tmp_path: Path) -> None:
    player, log = recording_player(tmp_path)
    speech = espeak.EspeakSpeech(tmp_path, player=player)
    assert isinstance(speech, SpeechOutput)
    assert speech.health_problem() is None
    speech.say(CALL)
    assert speech.last_wav is not None
    assert log.read_text().split() == ["start", str(speech.last_wav), "end"]
    samples, rate = read_wav(speech.last_wav)
    spoken, _ = read_wav(speech.synthesize(CALL, tmp_path / "plain.wav"))
    chime_len = len(samples) - len(spoken)
    assert chime_len == pytest.approx(rate * 2 * (espeak.CHIME_TONE_S + espeak.CHIME_GAP_S), abs=4)
    first_tone = samples[: int(rate * espeak.CHIME_TONE_S)]
    peak_hz = np.argmax(np.abs(np.fft.rfft(first_tone))) * rate / len(first_tone)
    assert peak_hz == pytest.approx(espeak.CHIME_TONES_HZ[0], abs=5)


def test_announcements_never_overlap(tmp_path: Path) -> None:
    player, log = recording_player(tmp_path, seconds=0.2)
    speech = espeak.EspeakSpeech(tmp_path, player=player, chime=False)
    threads = [threading.Thread(target=speech.say, args=(text,)) for text in (CALL, "请B002号到1号窗口办理")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = [line.split()[0] for line in log.read_text().splitlines()]
    assert events == ["start", "end", "start", "end"]


def test_without_aplay_the_call_is_written_and_the_problem_reported(tmp_path: Path) -> None:
    speech = espeak.EspeakSpeech(tmp_path, player="")
    speech.say(CALL)
    assert speech.last_wav is not None and speech.last_wav.stat().st_size > 10_000
    problem = speech.health_problem()
    assert problem is not None and "aplay" in problem


def test_missing_engine_is_a_device_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(espeak.shutil, "which", lambda _name: None)
    with pytest.raises(DeviceUnavailable, match="espeak-ng"):
        espeak.EspeakSpeech(tmp_path)
    broken = espeak.EspeakSpeech(tmp_path, executable=str(tmp_path / "gone"), voice="cmn", player="")
    assert not broken.is_present()
    with pytest.raises(DeviceUnavailable, match="espeak-ng"):
        broken.synthesize(CALL, tmp_path / "x.wav")


def test_device_manager_opens_the_espeak_driver(tmp_path: Path) -> None:
    manager = DeviceManager({"speech": "espeak"}, work_dir=tmp_path, poll_interval_s=None)
    manager.start()
    try:
        voice = manager.submit("speech", lambda device: device.voice).result(timeout=20)
    finally:
        manager.stop()
    assert voice in espeak.VOICES
