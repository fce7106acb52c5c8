"""Province codes (省级行政区划代码, GB/T 2260) as data, for ID-number and credit-code checks.

Only the first two digits are checked strictly: a full six-digit check would need the historical
list of abolished county codes, which old ID numbers keep (see shared/reference/idcard.md §5).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Mainland provinces plus 71 台湾省, as they appear in the first two digits of a resident ID number.
PROVINCES: Mapping[str, str] = MappingProxyType(
    {
        "11": "北京市",
        "12": "天津市",
        "13": "河北省",
        "14": "山西省",
        "15": "内蒙古自治区",
        "21": "辽宁省",
        "22": "吉林省",
        "23": "黑龙江省",
        "31": "上海市",
        "32": "江苏省",
        "33": "浙江省",
        "34": "安徽省",
        "35": "福建省",
        "36": "江西省",
        "37": "山东省",
        "41": "河南省",
        "42": "湖北省",
        "43": "湖南省",
        "44": "广东省",
        "45": "广西壮族自治区",
        "46": "海南省",
        "50": "重庆市",
        "51": "四川省",
        "52": "贵州省",
        "53": "云南省",
        "54": "西藏自治区",
        "61": "陕西省",
        "62": "甘肃省",
        "63": "青海省",
        "64": "宁夏回族自治区",
        "65": "新疆维吾尔自治区",
        "71": "台湾省",
    }
)

#: 港澳台居民居住证 (HK/Macao/Taiwan residence permit) prefixes; the whole region code is NN0000.
HMT_PERMIT_REGIONS: Mapping[str, str] = MappingProxyType(
    {
        "81": "香港特别行政区",
        "82": "澳门特别行政区",
        "83": "台湾省",
    }
)

#: Region code used by registrations at national level (e.g. central agencies' credit codes).
NATIONAL_REGION_CODE = "100000"


def province_name(code: str) -> str | None:
    """Name of the province or HMT region whose two-digit code starts ``code``; None if unknown."""
    prefix = code[:2]
    return PROVINCES.get(prefix) or HMT_PERMIT_REGIONS.get(prefix)
