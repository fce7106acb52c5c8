"""Smart-card readers (社保卡/智能卡读卡器): the role and data in ``base``, drivers beside it."""

from devices.smartcard.base import (
    CardCommandFailed,
    NoCardInserted,
    SmartCard,
    SmartCardReader,
    SocialSecurityCardData,
)

__all__ = ["CardCommandFailed", "NoCardInserted", "SmartCard", "SmartCardReader", "SocialSecurityCardData"]
