"""Document cameras (高拍仪): the role and frames in ``base``, drivers beside it."""

from devices.camera.base import Camera, CaptureFailed, Frame, Resolution

__all__ = ["Camera", "CaptureFailed", "Frame", "Resolution"]
