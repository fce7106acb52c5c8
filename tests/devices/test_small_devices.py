"""Barcode (扫码枪), speech (语音播报) and evaluator (评价器) simulators."""

from __future__ import annotations

import pytest

from app.errors import DeviceUnavailable
from devices.barcode.simulated import SimulatedBarcodeScanner
from devices.barcode.wedge import KeyboardWedgeScanner
from devices.evaluator.base import Rating
from devices.evaluator.simulated import SimulatedEvaluator
from devices.speech.simulated import SimulatedSpeech


def test_pushed_code_reaches_subscribers_until_unsubscribed() -> None:
    scanner = SimulatedBarcodeScanner()
    seen: list[str] = []
    unsubscribe = scanner.subscribe(seen.append)
    scanner.push_code("YY20261121-0007")
    unsubscribe()
    scanner.push_code("YY20261121-0008")
    assert seen == ["YY20261121-0007"]
    assert scanner.scanned == ["YY20261121-0007", "YY20261121-0008"]


def test_wedge_splits_codes_on_enter_and_ignores_hand_typing() -> None:
    now = [0.0]

    def clock() -> float:
        return now[0]

    wedge = KeyboardWedgeScanner(clock=clock)
    seen: list[str] = []
    wedge.subscribe(seen.append)
    wedge.feed("ABC123\r\nXYZ789\n")
    assert seen == ["ABC123", "XYZ789"]
    for char in "HAND12":  # a clerk typing, 0.3 s per key
        now[0] += 0.3
        wedge.feed(char)
    wedge.feed("\r")
    assert seen == ["ABC123", "XYZ789"]
    wedge.feed("AB\r")  # too short to be an appointment code
    assert seen == ["ABC123", "XYZ789"]


def test_unplugged_scanner_cannot_scan() -> None:
    scanner = SimulatedBarcodeScanner()
    scanner.simulate_unplug()
    with pytest.raises(DeviceUnavailable, match="扫码枪"):
        scanner.push_code("12345678")


def test_speech_records_what_was_said() -> None:
    speech = SimulatedSpeech()
    speech.say("请A012号到3号窗口办理")
    assert speech.spoken == ["请A012号到3号窗口办理"]
    speech.simulate_unplug()
    with pytest.raises(DeviceUnavailable):
        speech.say("请A013号到3号窗口办理")
    assert len(speech.spoken) == 1


def test_evaluator_answers_with_its_preset_rating() -> None:
    evaluator = SimulatedEvaluator(Rating.DISSATISFIED)
    rating = evaluator.ask_rating("请对本次服务进行评价", timeout_s=1)
    assert rating == 4 and rating.label == "不满意" and rating.is_negative
    evaluator.set_rating(Rating.VERY_SATISFIED)
    assert evaluator.ask_rating("请评价", timeout_s=1) == Rating.VERY_SATISFIED
    assert Rating.VERY_SATISFIED.label == "非常满意" and not Rating.VERY_SATISFIED.is_negative
    assert evaluator.prompts == ["请对本次服务进行评价", "请评价"]


def test_evaluator_without_an_answer_times_out_with_none() -> None:
    assert SimulatedEvaluator(None).ask_rating("请评价", timeout_s=0.01) is None
    assert SimulatedEvaluator(Rating.SATISFIED, answer_delay_s=5).ask_rating("请评价", timeout_s=0.01) is None
