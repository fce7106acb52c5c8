"""ID-card readers (身份证阅读器): the role and data in ``base``, drivers beside it."""

from devices.idcard.base import CardReadFailed, CardType, IdCardData, IdCardReader, NoCardPresent

__all__ = ["CardReadFailed", "CardType", "IdCardData", "IdCardReader", "NoCardPresent"]
