"""Document camera (高拍仪) through ``cv2.VideoCapture`` (driver "opencv").

Most 高拍仪 are UVC cameras (imaging.md §4.4). What this driver does about their habits:

- MJPG is asked for **before** the resolution: uncompressed YUY2 cannot carry 5 MP over USB 2 at a
  usable frame rate, and several drivers only accept a large mode once MJPG is set.
- Drivers silently fall back to a mode they support, so the resolution is read back, and the first
  frame's real size is what :attr:`OpenCVCamera.resolution` reports.
- ``grab`` is a full-resolution still; ``frames`` is the live preview, scaled down to at most
  ``preview_max_side`` pixels so the UI can draw 15+ frames per second.
- A still grabbed while no preview runs skips the frames the driver buffered earlier, so the page
  on the picture is the page under the camera now, not the one from seconds ago.
- On Windows the Media Foundation backend can take 4–20 s to open a camera unless its hardware
  transforms are off, so that is switched off before the first capture opens.

The source is a camera number, a device path (``/dev/video2``) or anything else VideoCapture opens,
e.g. an image sequence ``frames/frame_%03d.png``, which is how the tests run without a camera.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, Final, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from app.errors import ConfigError, DeviceUnavailable
from devices.camera.base import CaptureFailed, Frame, Resolution
from devices.kinds import unplugged_error_message
from devices.registry import DriverContext

log = logging.getLogger(__name__)

BACKENDS: Final = {
    "auto": cv2.CAP_ANY,
    "dshow": cv2.CAP_DSHOW,
    "msmf": cv2.CAP_MSMF,
    "v4l2": cv2.CAP_V4L2,
}
MJPG: Final = cv2.VideoWriter.fourcc(*"MJPG")
DEFAULT_REQUEST: Final = Resolution(2592, 1944)
PREVIEW_MAX_SIDE: Final = 1280
#: Modes tried by :meth:`OpenCVCamera.resolutions`: the usual 高拍仪 and webcam sizes.
CANDIDATE_RESOLUTIONS: Final = (
    Resolution(4208, 3120),
    Resolution(3264, 2448),
    Resolution(2592, 1944),
    Resolution(2048, 1536),
    Resolution(1920, 1080),
    Resolution(1600, 1200),
    Resolution(1280, 960),
    Resolution(1280, 720),
    Resolution(640, 480),
)
# A frame read longer ago than this may be sitting in the driver's buffer: drop a few first.
_STALE_AFTER_S: Final = 0.5
_STALE_FRAMES: Final = 2

_NO_PICTURE: Final = "高拍仪没有送来画面：请检查数据线是否插好、是否有其他程序正在使用高拍仪，然后重试。"


class VideoCaptureLike(Protocol):
    """The part of ``cv2.VideoCapture`` this driver uses."""

    def isOpened(self) -> bool: ...

    def set(self, prop_id: int, value: float) -> bool: ...

    def get(self, prop_id: int) -> float: ...

    def grab(self) -> bool: ...

    def read(self) -> tuple[bool, Any]: ...

    def release(self) -> None: ...


CaptureOpener = Callable[[int | str, int], VideoCaptureLike]


def open_video_capture(source: int | str, backend: int) -> VideoCaptureLike:
    """``cv2.VideoCapture(source, backend)``; the default opener."""
    if sys.platform == "win32":
        # Read by OpenCV when its Media Foundation backend first opens a camera (opencv PR #20327).
        os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")
    capture: VideoCaptureLike = cv2.VideoCapture(source, backend)
    return capture


def parse_source(text: str) -> int | str:
    """A camera number ("0", "1") as int, anything else (device path, URL, file pattern) as is."""
    text = text.strip()
    return int(text) if text.isdigit() else text


def fourcc_text(code: float) -> str:
    """The four characters of a FOURCC code as OpenCV reports it (e.g. "MJPG"), "" when unknown."""
    value = int(code)
    if value <= 0:
        return ""
    return "".join(chr((value >> 8 * i) & 0xFF) for i in range(4)).strip("\x00 ")


def downscale(image: NDArray[np.uint8], max_side: int) -> NDArray[np.uint8]:
    """``image`` shrunk (area averaging, no moiré on text) so its longer side is at most ``max_side``."""
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1.0:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


class OpenCVCamera:
    """A UVC document camera; see the module docstring. Opens in the constructor.

    Raises DeviceUnavailable (Chinese message) when the camera cannot be opened or sends no frame.
    Call only from the device's own thread.
    """

    def __init__(
        self,
        source: int | str = 0,
        *,
        requested: Resolution | None = DEFAULT_REQUEST,
        backend: int = cv2.CAP_ANY,
        preview_max_side: int = PREVIEW_MAX_SIDE,
        opener: CaptureOpener = open_video_capture,
    ) -> None:
        self._source = source
        self._requested = requested
        self._backend = backend
        self._preview_max_side = preview_max_side
        self._opener = opener
        self._capture: VideoCaptureLike | None = None
        self._resolution = Resolution(0, 0)
        self._fourcc = ""
        self._last_read = 0.0
        self._problem: str | None = None
        self._probed: list[Resolution] | None = None
        self._open()

    # --- opening and configuring ---------------------------------------------------------------

    def _open(self) -> VideoCaptureLike:
        capture = self._opener(self._source, self._backend)
        if not capture.isOpened():
            capture.release()
            self._problem = unplugged_error_message("camera")
            log.warning("camera %s could not be opened", self._describe_source())
            raise DeviceUnavailable(self._problem, device="camera")
        # Fewer buffered frames means fresher stills; many backends ignore this, hence _STALE_FRAMES.
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._capture = capture
        try:
            self._configure(capture, self._requested)
        except DeviceUnavailable:
            self._release()
            raise
        return capture

    def _configure(self, capture: VideoCaptureLike, requested: Resolution | None) -> None:
        """Ask for MJPG, then the resolution; read back and confirm with a real frame."""
        if requested is not None and requested.width > 0 and requested.height > 0:
            capture.set(cv2.CAP_PROP_FOURCC, MJPG)
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, requested.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, requested.height)
        reported = Resolution(
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        )
        self._fourcc = fourcc_text(capture.get(cv2.CAP_PROP_FOURCC))
        image = self._read(capture)
        # The frame is the truth: some backends report the requested size, not the delivered one.
        self._resolution = Resolution(image.shape[1], image.shape[0])
        log.info(
            "camera %s: asked %s, reported %s %s, delivers %s",
            self._describe_source(),
            requested or "default",
            reported,
            self._fourcc or "?",
            self._resolution,
        )

    def _describe_source(self) -> str:
        # A URL may carry a password (rtsp://user:pw@host); log only its scheme.
        if isinstance(self._source, str) and "://" in self._source:
            return self._source.split("://", 1)[0] + "://…"
        return str(self._source)

    def _release(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()

    def _require_capture(self) -> VideoCaptureLike:
        # After a failure the capture is released; the next use tries again (cable plugged back).
        if self._capture is None:
            return self._open()
        return self._capture

    def _read(self, capture: VideoCaptureLike) -> NDArray[np.uint8]:
        ok, frame = capture.read()
        image = None if frame is None else np.asarray(frame, dtype=np.uint8)
        if not ok or image is None or image.size == 0:
            log.warning("camera %s delivered no frame", self._describe_source())
            self._release()
            self._problem = _NO_PICTURE
            raise CaptureFailed(_NO_PICTURE)
        self._last_read = time.monotonic()
        self._problem = None
        if image.ndim == 2:
            image = np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
        return image

    # --- Camera protocol -----------------------------------------------------------------------

    @property
    def resolution(self) -> Resolution:
        """What the camera delivers now (read back from a frame, not what was asked)."""
        return self._resolution

    @property
    def fourcc(self) -> str:
        """The pixel format the driver reports ("MJPG", "YUY2" …; "" when it does not say)."""
        return self._fourcc

    def resolutions(self) -> list[Resolution]:
        """Modes the camera accepted when tried, largest first; tried once, then remembered.

        OpenCV cannot list modes, so each of :data:`CANDIDATE_RESOLUTIONS` is asked for and the
        reported size kept. Slow on some Windows cameras (seconds per mode): call it at setup.
        """
        if self._probed is None:
            capture = self._require_capture()
            found = {self._resolution}
            for candidate in CANDIDATE_RESOLUTIONS:
                capture.set(cv2.CAP_PROP_FOURCC, MJPG)
                capture.set(cv2.CAP_PROP_FRAME_WIDTH, candidate.width)
                capture.set(cv2.CAP_PROP_FRAME_HEIGHT, candidate.height)
                width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
                height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
                if width > 0 and height > 0:
                    found.add(Resolution(width, height))
            self._configure(capture, self._resolution)
            self._probed = sorted(found, reverse=True)
        return list(self._probed)

    def set_resolution(self, resolution: Resolution) -> None:
        if resolution not in self.resolutions():
            raise ValueError(f"unsupported resolution {resolution}")
        capture = self._require_capture()
        self._configure(capture, resolution)
        if self._resolution != resolution:
            log.warning("camera switched to %s instead of %s", self._resolution, resolution)
            raise CaptureFailed(
                f"高拍仪未能切换到 {resolution}，仍为 {self._resolution}；请换一个分辨率或重新插拔高拍仪。"
            )
        self._requested = resolution

    def grab(self) -> Frame:
        """A full-resolution still of what lies under the camera now."""
        capture = self._require_capture()
        if time.monotonic() - self._last_read > _STALE_AFTER_S:
            for _ in range(_STALE_FRAMES):
                capture.grab()
        image = self._read(capture)
        return Frame(image=image, timestamp=self._last_read)

    def frames(self) -> Iterator[Frame]:
        """Live preview frames, scaled down to ``preview_max_side``; paced by the camera."""
        while True:
            image = self._read(self._require_capture())
            yield Frame(image=downscale(image, self._preview_max_side), timestamp=self._last_read)

    # --- DeviceManager abilities ---------------------------------------------------------------

    def health_problem(self) -> str | None:
        """Why the last picture failed (Chinese), until a picture succeeds again."""
        return self._problem

    def close(self) -> None:
        self._release()


def _int_option(options: dict[str, str], name: str, default: int) -> int:
    text = options.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(
            f"高拍仪设置 devices.camera_{name} 应为整数像素数，现在是“{text}”，请在设置中改正。",
            key=f"devices.camera_{name}",
        ) from None
    if value < 0:
        raise ConfigError(
            f"高拍仪设置 devices.camera_{name} 不能为负数，请在设置中改正。", key=f"devices.camera_{name}"
        )
    return value


def create(context: DriverContext) -> OpenCVCamera:
    """Factory for the DeviceManager: options ``index``, ``width``, ``height``, ``backend``."""
    options = dict(context.options)
    source = parse_source(options.get("index", "0") or "0")
    backend_name = options.get("backend", "auto").strip() or "auto"
    if backend_name not in BACKENDS:
        raise ConfigError(
            f"高拍仪视频接口“{backend_name}”不对，只能是 {'、'.join(BACKENDS)} 之一，请在设置中改正。",
            key="devices.camera_backend",
        )
    width = _int_option(options, "width", DEFAULT_REQUEST.width)
    height = _int_option(options, "height", DEFAULT_REQUEST.height)
    requested = Resolution(width, height) if width and height else None
    return OpenCVCamera(source, requested=requested, backend=BACKENDS[backend_name])
