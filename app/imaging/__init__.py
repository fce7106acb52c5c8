"""Imaging (图像处理): page images as numpy arrays, output profiles and byte-budget JPEG. No Qt here."""

from app.imaging.profiles import (
    DEFAULT_PROFILE_KEY,
    PROFILES,
    OutputProfile,
    PageVerdict,
    check_page,
    fit_to_profile,
)

__all__ = [
    "DEFAULT_PROFILE_KEY",
    "PROFILES",
    "OutputProfile",
    "PageVerdict",
    "check_page",
    "fit_to_profile",
]
