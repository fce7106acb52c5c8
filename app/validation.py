"""Validators for the numbers a counter clerk types or reads: ID numbers, credit codes, phones, cards.

Every check raises :class:`app.errors.ValidationError` with a Chinese message that names the
exact problem (which position, what was expected), so the clerk can fix the typo without guessing.
Input is normalised first (NFKC folds full-width digits typed with a Chinese IME; spaces go).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.errors import ValidationError
from app.regions import HMT_PERMIT_REGIONS, NATIONAL_REGION_CODE, PROVINCES

# --- ID numbers (GB 11643) -------------------------------------------------------------------

#: Weights 2^(n-1) mod 11 for positions 18..2 counted from the right (GB 11643 / ISO 7064 MOD 11-2).
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)

KIND_RESIDENT = "resident"
KIND_HMT_RESIDENCE = "hmt_residence"
KIND_FOREIGNER_PR = "foreigner_pr"

_KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        KIND_RESIDENT: "居民身份证",
        KIND_HMT_RESIDENCE: "港澳台居民居住证",
        KIND_FOREIGNER_PR: "外国人永久居留身份证",
    }
)

_ID_FIELD = "id_number"


@dataclass(frozen=True)
class IdNumberInfo:
    """身份证号码: what a valid 18-character ID number says about its holder.

    ``kind`` is "resident" (居民身份证), "hmt_residence" (港澳台居民居住证, 81/82/83) or
    "foreigner_pr" (外国人永久居留身份证, 2023 format starting with 9). For a foreigner PR number
    ``region_code`` is the issuing province padded to six digits (e.g. "110000").
    """

    number: str
    region_code: str
    birth_date: datetime.date
    gender: str
    kind: str
    province: str

    @property
    def kind_label(self) -> str:
        """Chinese name of the document type, for messages and printed forms."""
        return _KIND_LABELS[self.kind]


def id_check_digit(first17: str) -> str:
    """GB 11643 check character ('0'-'9' or 'X') for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 ASCII digits, got {len(first17)} characters")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _compact(s: str) -> str:
    """Fold full-width characters and drop every kind of whitespace."""
    return "".join(unicodedata.normalize("NFKC", s).split())


def check_id_number(s: str, *, today: datetime.date | None = None) -> IdNumberInfo:
    """Validate an 18-character ID number and say what it encodes.

    Accepts resident ID numbers, HK/Macao/Taiwan residence-permit numbers (810000/820000/830000)
    and 2023 foreigner permanent-residence numbers (leading 9). Spaces are ignored and a final
    lowercase x is accepted. ``today`` bounds the birth date (default: the local date).
    """
    number = _compact(s).upper()
    if not number:
        raise ValidationError("请输入身份证号码", field=_ID_FIELD)
    if len(number) != 18:
        raise ValidationError(f"身份证号码应为18位，现在是{len(number)}位", field=_ID_FIELD)
    for pos, ch in enumerate(number, start=1):
        is_ok = ch in "0123456789" or (pos == 18 and ch == "X")
        if not is_ok:
            raise ValidationError(
                f"身份证号码第{pos}位“{ch}”不对：前17位只能是数字，最后一位是数字或X", field=_ID_FIELD
            )

    kind, region_code, province = _id_region(number)
    birth = _id_birth_date(number[6:14], today or datetime.date.today())

    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(
            f"身份证号码校验位不对：最后一位应为{expected}，请核对后重新输入（也可能是前面某一位输错了）",
            field=_ID_FIELD,
        )
    gender = "男" if int(number[16]) % 2 == 1 else "女"
    return IdNumberInfo(
        number=number,
        region_code=region_code,
        birth_date=birth,
        gender=gender,
        kind=kind,
        province=province,
    )


def _id_region(number: str) -> tuple[str, str, str]:
    """(kind, region_code, province) for a well-formed 18-character number."""
    if number[0] == "9":
        # 2023 foreigner PR: 9 + issuing province (2) + nationality (3) + birth date + ...
        code = number[1:3]
        name = PROVINCES.get(code)
        if name is None:
            raise ValidationError(
                f"号码以9开头，按外国人永久居留身份证核对：第2-3位的地区代码{code}不是有效的省份代码，"
                "请核对后重新输入",
                field=_ID_FIELD,
            )
        return KIND_FOREIGNER_PR, code + "0000", name
    code = number[:2]
    hmt_name = HMT_PERMIT_REGIONS.get(code)
    if hmt_name is not None:
        if number[2:6] != "0000":
            raise ValidationError(
                f"港澳台居民居住证号码前6位应为{code}0000，现在是{number[:6]}，请核对后重新输入",
                field=_ID_FIELD,
            )
        return KIND_HMT_RESIDENCE, number[:6], hmt_name
    name = PROVINCES.get(code)
    if name is None:
        raise ValidationError(f"地区代码{code}不是有效的省份代码，请核对身份证号码的前两位", field=_ID_FIELD)
    return KIND_RESIDENT, number[:6], name


def _id_birth_date(digits: str, today: datetime.date) -> datetime.date:
    try:
        birth = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise ValidationError(f"出生日期{digits}不存在，请核对身份证号码第7-14位", field=_ID_FIELD) from None
    if birth < _EARLIEST_BIRTH:
        raise ValidationError(f"出生日期{digits}早于1900年，请核对身份证号码第7-14位", field=_ID_FIELD)
    if birth > today:
        raise ValidationError(f"出生日期{digits}晚于今天，请核对身份证号码第7-14位", field=_ID_FIELD)
    return birth


def make_id_number(region_code: str, birth: datetime.date, sequence: int, gender: str) -> str:
    """Build a valid ID number (for the simulated card reader and tests).

    ``sequence`` is the n-th number of that gender for that area and day (0–499); the 3-digit
    顺序码 becomes 2·n+1 for 男 and 2·n for 女, so the parity always matches ``gender``.
    ``region_code`` may be a county code (resident), 810000/820000/830000 (residence permit) or
    9 + province + 3-digit nationality (foreigner PR). Raises ValueError if the result would not
    validate.
    """
    if gender not in ("男", "女"):
        raise ValueError(f"gender must be '男' or '女', got {gender!r}")
    if not 0 <= sequence <= 499:
        raise ValueError(f"sequence must be in 0..499, got {sequence}")
    if len(region_code) != 6 or not region_code.isascii() or not region_code.isdigit():
        raise ValueError(f"region_code must be 6 digits, got {region_code!r}")
    order = sequence * 2 + (1 if gender == "男" else 0)
    body = f"{region_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{order:03d}"
    number = body + id_check_digit(body)
    try:
        check_id_number(number)
    except ValidationError as exc:
        raise ValueError(f"cannot build a valid ID number: {exc}") from exc
    return number


# --- 2017 foreigner permanent-residence numbers ----------------------------------------------

#: Weights of the 2017 PR number's check digit, repeated over its first 14 characters (as in ICAO 9303).
_PR2017_WEIGHTS = (7, 3, 1)


@dataclass(frozen=True)
class ForeignerPr2017Info:
    """2017 版外国人永久居留身份证号码 (2017 foreigner permanent-residence number), 15 characters.

    Layout, as the vendor demo in shared/reference/idcard.md §2.3 derives it back from a 2023
    number: nationality (3 letters) + issuing province (2) + 2 digits + birth date YYMMDD (6) +
    1 digit + check digit. ``birth_yymmdd`` has no century; compare it with the card's birth date.
    """

    number: str
    nationality: str
    region_code: str
    province: str
    birth_yymmdd: str


def pr2017_check_digit(first14: str) -> str:
    """Check digit of a 2017 PR number: weights 7,3,1 repeated, letters A=10 … Z=35, sum mod 10."""
    if len(first14) != 14 or not all(c.isascii() and (c.isdigit() or c.isupper()) for c in first14):
        raise ValueError("expected 14 digits or uppercase ASCII letters")
    values = (int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in first14)
    total = sum(v * _PR2017_WEIGHTS[i % 3] for i, v in enumerate(values))
    return str(total % 10)


def check_foreigner_pr_number_2017(s: str, *, today: datetime.date | None = None) -> ForeignerPr2017Info:
    """Validate a 2017 foreigner permanent-residence number (3 letters + 12 digits) and split it."""
    number = _compact(s).upper()
    if not number:
        raise ValidationError("请输入永久居留身份证号码", field=_ID_FIELD)
    if len(number) != 15:
        raise ValidationError(
            f"2017版永久居留身份证号码应为15位（3位字母+12位数字），现在是{len(number)}位", field=_ID_FIELD
        )
    for pos, ch in enumerate(number, start=1):
        is_ok = ("A" <= ch <= "Z") if pos <= 3 else ch in "0123456789"
        if not is_ok:
            raise ValidationError(
                f"永久居留身份证号码第{pos}位“{ch}”不对：前3位是英文字母，后12位是数字", field=_ID_FIELD
            )
    code = number[3:5]
    province = PROVINCES.get(code)
    if province is None:
        raise ValidationError(
            f"永久居留身份证号码第4-5位的地区代码{code}不是有效的省份代码，请核对后重新输入", field=_ID_FIELD
        )
    yymmdd = number[7:13]
    if not _yymmdd_exists(yymmdd, today or datetime.date.today()):
        raise ValidationError(f"出生日期{yymmdd}不存在，请核对永久居留身份证号码第8-13位", field=_ID_FIELD)
    expected = pr2017_check_digit(number[:14])
    if number[14] != expected:
        raise ValidationError(
            f"永久居留身份证号码校验位不对：最后一位应为{expected}，请核对后重新输入（也可能是前面某一位输错了）",
            field=_ID_FIELD,
        )
    return ForeignerPr2017Info(
        number=number,
        nationality=number[:3],
        region_code=code + "0000",
        province=province,
        birth_yymmdd=yymmdd,
    )


def _yymmdd_exists(yymmdd: str, today: datetime.date) -> bool:
    """True when YYMMDD is a real date in 19YY or 20YY that is not after ``today``."""
    for century in (1900, 2000):
        try:
            day = datetime.date(century + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
        except ValueError:
            continue
        if _EARLIEST_BIRTH <= day <= today:
            return True
    return False


# --- Unified social credit code (GB 32100) ---------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES: Mapping[str, int] = MappingProxyType({c: i for i, c in enumerate(USCC_CHARSET)})
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_FIELD = "uscc"

#: 登记管理部门码 → (department, {机构类别码: category}) per GB 32100-2015 Table 1.
USCC_REGISTRATION_CATEGORIES: Mapping[str, tuple[str, Mapping[str, str]]] = MappingProxyType(
    {
        "1": (
            "机构编制",
            {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
        ),
        "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
        "3": (
            "司法行政",
            {
                "1": "律师执业机构",
                "2": "公证处",
                "3": "基层法律服务所",
                "4": "司法鉴定机构",
                "5": "仲裁委员会",
                "9": "其他",
            },
        ),
        "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
        "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
        "6": (
            "旅游",
            {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
        ),
        "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
        "8": ("工会", {"1": "基层工会", "9": "其他"}),
        "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
        "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
        "N": (
            "农业",
            {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
        ),
        "Y": ("其他", {"1": "其他"}),
    }
)


def uscc_check_char(first17: str) -> str:
    """GB 32100 MOD 31 check character for the first 17 characters of a credit code."""
    if len(first17) != 17 or any(c not in _USCC_VALUES for c in first17):
        raise ValueError("expected 17 characters from the GB 32100 character set")
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of a 9-character organisation code (主体标识码)."""
    if len(first8) != 8 or not all(c.isascii() and (c.isdigit() or c.isupper()) for c in first8):
        raise ValueError("expected 8 digits or uppercase ASCII letters")
    # GB 11714 values letters A=10 … Z=35, independent of the GB 32100 character set.
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_uscc(s: str) -> str:
    """Validate a unified social credit code (统一社会信用代码) and return it in upper case."""
    code = _compact(s).upper()
    if not code:
        raise ValidationError("请输入统一社会信用代码", field=_USCC_FIELD)
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码应为18位，现在是{len(code)}位", field=_USCC_FIELD)
    for pos, ch in enumerate(code, start=1):
        if ch not in _USCC_VALUES:
            hint = "（代码中不使用字母I、O、Z、S、V）" if ch in "IOZSV" else ""
            raise ValidationError(
                f"统一社会信用代码第{pos}位“{ch}”不是有效字符{hint}，请核对后重新输入", field=_USCC_FIELD
            )
    registration = USCC_REGISTRATION_CATEGORIES.get(code[0])
    if registration is None:
        raise ValidationError(
            f"统一社会信用代码第1位“{code[0]}”不是有效的登记管理部门代码，请核对后重新输入", field=_USCC_FIELD
        )
    department, categories = registration
    if code[1] not in categories:
        raise ValidationError(
            f"统一社会信用代码第2位“{code[1]}”不是{department}部门的有效机构类别代码，请核对后重新输入",
            field=_USCC_FIELD,
        )
    region = code[2:8]
    if not region.isdigit() or (region != NATIONAL_REGION_CODE and region[:2] not in PROVINCES):
        raise ValidationError(
            f"统一社会信用代码第3-8位的行政区划码{region}无效，请核对后重新输入", field=_USCC_FIELD
        )
    org_check = org_code_check_char(code[8:16])
    if code[16] != org_check:
        raise ValidationError(
            f"统一社会信用代码第9-17位的组织机构代码校验不对：第17位应为{org_check}，请核对后重新输入",
            field=_USCC_FIELD,
        )
    check = uscc_check_char(code[:17])
    if code[17] != check:
        raise ValidationError(
            f"统一社会信用代码校验位不对：最后一位应为{check}，请核对后重新输入（也可能是前面某一位输错了）",
            field=_USCC_FIELD,
        )
    return code


# --- Mobile numbers and bank cards -----------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def check_mobile(s: str) -> str:
    """Validate a mainland mobile number; accept +86/86/0086 and spaces or dashes; return 11 digits."""
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", s))
    if not digits:
        raise ValidationError("请输入手机号码", field="mobile")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError("手机号码只能包含数字，请核对后重新输入", field="mobile")
    if len(digits) != 11:
        raise ValidationError(f"手机号码应为11位，现在是{len(digits)}位", field="mobile")
    if not _MOBILE.fullmatch(digits):
        raise ValidationError(
            f"手机号码应以13-19开头，现在是{digits[:2]}开头，请核对后重新输入", field="mobile"
        )
    return digits


def luhn_check_digit(payload: str) -> str:
    """Luhn (mod 10) check digit to append to ``payload`` (all digits)."""
    if not payload or not payload.isascii() or not payload.isdigit():
        raise ValueError("payload must be a non-empty string of ASCII digits")
    total = 0
    # The rightmost payload digit is doubled, because the check digit will sit to its right.
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def check_bank_card(s: str) -> str:
    """Validate a bank card number (12–19 digits, Luhn); return the digits without separators."""
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", s))
    if not digits:
        raise ValidationError("请输入银行卡号", field="bank_card")
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError("银行卡号只能包含数字，请核对后重新输入", field="bank_card")
    if not 12 <= len(digits) <= 19:
        raise ValidationError(f"银行卡号应为12到19位数字，现在是{len(digits)}位", field="bank_card")
    if luhn_check_digit(digits[:-1]) != digits[-1]:
        raise ValidationError("银行卡号校验不通过，可能有数字输错，请核对后重新输入", field="bank_card")
    return digits
