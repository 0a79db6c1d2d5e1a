"""FORMAT allele-support dialects: VAF, depth and ALT read count of one allele in one sample.

:func:`allele_support` reads the callers' own fields (Strelka2 tier-1 counts, ``AD``, Platypus
``NV``/``NR``, ``AF``/``FA``/``FREQ``/``VAF``/``VF``, INFO ``TVAF``/``TDP``, INFO ``AF``/``DP``);
an impossible number raises :class:`ImplausibleValue`.

:func:`allele_support` is the list of dialects in the order they are tried; each dialect is one
function (:func:`_strelka_snv`, :func:`_strelka_indel`, :func:`_allelic_depths`, :func:`_platypus`,
:func:`_allele_fraction`, :func:`_info_tumour`, :func:`_info_af_dp`) that fills in the
:class:`_Found` they share.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

_INT32_MAX = 2 ** 31 - 1        # VCF Integer values are 32-bit (VCF 4.3 specification, 1.3)


@dataclass(frozen=True)
class AlleleSupport:
    vaf: float | None = None
    depth: int | None = None
    alt_depth: int | None = None
    basis: str = ""                 # which fields the numbers came from


class ImplausibleValue(ValueError):
    """A FORMAT/INFO number the reader uses is not finite or cannot be true (negative reads)."""


def _numbers(text: str | None, name: str = "") -> list[float | None]:
    """Comma-separated numbers; '.' and non-numbers are None, ``inf``/``nan``/overflow raise."""
    if text is None:
        return []
    values: list[float | None] = []
    for item in text.split(","):
        item = item.strip()
        if item in (".", ""):
            values.append(None)
            continue
        percent = item.endswith("%")
        try:
            number = float(item.rstrip("%"))
        except ValueError:
            values.append(None)
            continue
        if not math.isfinite(number):
            raise ImplausibleValue(f"{name or 'a value'}={text} holds {item!r}, which is not a "
                                   "finite number")
        values.append(number / 100 if percent else number)
    return values


def _counts(text: str | None, name: str) -> list[float | None]:
    """Read counts or depths: finite, not negative, within a VCF Integer (32-bit)."""
    values = _numbers(text, name)
    for value in values:
        if value is not None and not 0 <= value <= _INT32_MAX:
            raise ImplausibleValue(f"{name}={text} holds an impossible read count {value:g} "
                                   + ("(negative)" if value < 0 else
                                      f"(beyond a VCF Integer, {_INT32_MAX:,})"))
    return values


def _fraction(value: float | None, name: str, text: str | None = None) -> float | None:
    """``value`` as an allele fraction: None stays None, outside 0..1 raises."""
    if value is not None and not 0 <= value <= 1:
        raise ImplausibleValue(f"{name}{'=' + text if text else ''} gives an allele fraction "
                               f"of {value:g}, outside 0..1")
    return value


def _per_allele(values: list[float | None], index: int, n_alts: int) -> float | None:
    """Pick the value of ALT ``index`` from a Number=A, Number=R or single value list."""
    if not values:
        return None
    if len(values) == n_alts + 1:          # one per allele, REF first (Number=R; RADIA's AF)
        return values[index + 1]
    if len(values) == n_alts:              # one per ALT (Number=A)
        return values[index]
    if len(values) == 1 and n_alts == 1:
        return values[0]
    return None


def _as_int(value: float | None) -> int | None:
    """A count as an int (rounded); None stays None."""
    return None if value is None else round(value)


def allele_support(fmt: dict[str, str], index: int, n_alts: int, ref: str, alt: str, *,
                   info: dict[str, str] | None = None, n_samples: int = 1) -> AlleleSupport:
    """VAF, depth and ALT read count of ALT ``index`` in one sample's FORMAT values.

    Dialects, tried in this order:

    * Strelka2 SNV: tier-1 counts ``<base>U`` (first value); VAF = ALT / (REF + ALT) as Strelka's
      documentation recommends, depth = ``DP``.
    * Strelka2 indel: ``TIR`` / (``TAR`` + ``TIR``) tier 1, depth = ``DP``.
    * ``AD`` with one value per allele (GATK, VarDict, SAGE, Mutect1, RADIA): ALT count, and VAF =
      ALT / sum(AD) when no allele fraction field is given; VarScan's ``AD`` is the ALT count alone
      and ``RD`` the REF count.
    * Platypus: ``NV`` / ``NR`` (reads carrying / covering each ALT).
    * Allele fraction: ``AF`` (Mutect2, VarDict, SAGE, varlociraptor; RADIA's per-allele AF with REF
      first), Mutect1 ``FA``, VarScan ``FREQ`` ("12.5%"), DeepVariant/DeepSomatic ``VAF``, Pisces
      ``VF``.
    * INFO ``TVAF``/``TDP`` (the tumour's values as PCGR expects them) when FORMAT gives nothing.
    * Depth: ``DP`` (per ALT when there is one value per ALT, as in varlociraptor), else sum(AD).
    * INFO ``AF``/``DP`` when nothing in FORMAT gives a fraction and the file has at most one
      sample.

    Every number used must be finite, read counts not negative and fractions within 0..1: an
    impossible value raises :class:`ImplausibleValue` (never a VAF above 1 or below 0).
    """
    found = _Found(dp=_format_depth(fmt, index, n_alts))
    if len(ref) == 1 and len(alt) == 1 and f"{alt.upper()}U" in fmt and f"{ref.upper()}U" in fmt:
        _strelka_snv(fmt, ref, alt, found)
    elif "TIR" in fmt and "TAR" in fmt:
        _strelka_indel(fmt, found)
    if found.alt_depth is None and "AD" in fmt:
        _allelic_depths(fmt, index, n_alts, found)
    if found.alt_depth is None and "NV" in fmt and "NR" in fmt:
        _platypus(fmt, index, n_alts, found)
    if found.vaf is None and found.alt_depth is None:
        fraction = _allele_fraction(fmt, index, n_alts)
        if fraction is not None:
            found.vaf, name = fraction
            found.basis.append(name)
    if found.vaf is None and found.alt_depth is None and info and ("TVAF" in info or "TDP" in info):
        _info_tumour(info, index, n_alts, found)
    if found.vaf is None and found.alt_depth is None and n_samples <= 1 and info:
        _info_af_dp(info, index, n_alts, found)
    if found.dp is not None and "DP" in fmt:
        found.basis.append("DP")
    vaf = found.vaf
    if vaf is not None and not (math.isfinite(vaf) and 0 <= vaf <= 1):
        raise ImplausibleValue(f"the allele fraction works out at {vaf:g} "
                               f"({', '.join(found.basis)}), outside 0..1")
    return AlleleSupport(vaf=vaf, depth=_as_int(found.dp), alt_depth=_as_int(found.alt_depth),
                         basis=", ".join(found.basis))


@dataclass(slots=True)
class _Found:
    """What the dialects tried so far found: the state the steps of :func:`allele_support` share."""

    dp: float | None
    vaf: float | None = None
    alt_depth: float | None = None
    basis: list[str] = field(default_factory=list)     # which fields the numbers came from


def _format_depth(fmt: dict[str, str], index: int, n_alts: int) -> float | None:
    """FORMAT ``DP``: per ALT when there is one value per ALT (varlociraptor), else the first."""
    dp_values = _counts(fmt.get("DP"), "FORMAT/DP")
    if len(dp_values) == n_alts > 1:
        return _per_allele(dp_values, index, n_alts)
    return dp_values[0] if dp_values else None


def _strelka_snv(fmt: dict[str, str], ref: str, alt: str, found: _Found) -> None:
    """Strelka2 SNV: tier-1 counts ``<base>U``, VAF = ALT / (REF + ALT)."""
    alt_name, ref_name = f"{alt.upper()}U", f"{ref.upper()}U"
    alt_count = (_counts(fmt[alt_name], f"FORMAT/{alt_name}") or [None])[0]
    ref_count = (_counts(fmt[ref_name], f"FORMAT/{ref_name}") or [None])[0]
    if alt_count is not None and ref_count is not None:
        found.alt_depth = alt_count
        found.vaf = alt_count / (alt_count + ref_count) if alt_count + ref_count else None
        found.basis.append("Strelka2 tier-1 base counts")


def _strelka_indel(fmt: dict[str, str], found: _Found) -> None:
    """Strelka2 indel: tier-1 ``TIR`` / (``TAR`` + ``TIR``)."""
    tir = (_counts(fmt["TIR"], "FORMAT/TIR") or [None])[0]
    tar = (_counts(fmt["TAR"], "FORMAT/TAR") or [None])[0]
    if tir is not None and tar is not None:
        found.alt_depth = tir
        found.vaf = tir / (tir + tar) if tir + tar else None
        found.basis.append("Strelka2 tier-1 TIR/TAR")


def _allelic_depths(fmt: dict[str, str], index: int, n_alts: int, found: _Found) -> None:
    """``AD`` (one per allele; VarScan: ALT reads, with ``RD`` the REF reads), and the VAF."""
    ad = _counts(fmt["AD"], "FORMAT/AD")
    total: float | None
    if len(ad) == n_alts + 1:
        found.alt_depth = ad[index + 1]
        total = sum(v for v in ad if v is not None)
    elif "RD" in fmt and len(ad) == n_alts:           # VarScan: AD = ALT reads, RD = REF
        found.alt_depth = ad[index]
        total = sum(v for v in ad if v is not None) + \
            ((_counts(fmt["RD"], "FORMAT/RD") or [0])[0] or 0)
    else:
        total = None
    if found.alt_depth is None:
        return
    found.basis.append("AD")
    fraction = _allele_fraction(fmt, index, n_alts)
    if fraction is not None:
        found.vaf, name = fraction
        found.basis.append(name)
    elif total:
        found.vaf = found.alt_depth / total
    if found.dp is None and total:
        found.dp = total


def _platypus(fmt: dict[str, str], index: int, n_alts: int, found: _Found) -> None:
    """Platypus: ``NV`` reads carrying each ALT, ``NR`` reads covering its position (Number=.)."""
    supporting = _per_allele(_counts(fmt["NV"], "FORMAT/NV"), index, n_alts)
    covering = _per_allele(_counts(fmt["NR"], "FORMAT/NR"), index, n_alts)
    if supporting is not None and covering:
        if supporting > covering:
            raise ImplausibleValue(f"FORMAT/NV={fmt['NV']} exceeds FORMAT/NR={fmt['NR']}: "
                                   "more reads carry the allele than cover its position")
        found.alt_depth, found.dp = supporting, covering
        found.vaf = supporting / covering
        found.basis.append("Platypus NV/NR")


def _info_tumour(info: dict[str, str], index: int, n_alts: int, found: _Found) -> None:
    """INFO ``TVAF``/``TDP``: the tumour's VAF and depth copied there, as PCGR/CPSR expect."""
    found.vaf = _fraction(_per_allele(_numbers(info.get("TVAF"), "INFO/TVAF"), index, n_alts),
                          "INFO/TVAF", info.get("TVAF"))
    tdp = _counts(info.get("TDP"), "INFO/TDP")
    if found.dp is None and tdp:
        found.dp = tdp[0]
    found.basis.append("INFO TVAF/TDP")


def _info_af_dp(info: dict[str, str], index: int, n_alts: int, found: _Found) -> None:
    """INFO ``AF``/``DP``, for a file of at most one sample with no FORMAT evidence."""
    # the text values, not htslib's float32 copies (0.12 stays 0.12)
    info_af = _fraction(_per_allele(_numbers(info.get("AF"), "INFO/AF"), index, n_alts),
                        "INFO/AF", info.get("AF"))
    if info_af is not None:
        found.vaf = info_af
        found.basis.append("INFO AF")
    info_dp = _counts(info.get("DP"), "INFO/DP")
    if found.dp is None and info_dp:
        found.dp = info_dp[0]
        found.basis.append("INFO DP")


def _allele_fraction(fmt: dict[str, str], index: int, n_alts: int) -> tuple[float, str] | None:
    """The first FORMAT allele fraction field with a value for ALT ``index``, and its name."""
    # DeepVariant/DeepSomatic write VAF, Illumina Pisces VF
    for name in ("AF", "FA", "FREQ", "VAF", "VF"):
        if name in fmt:
            value = _per_allele(_numbers(fmt[name], f"FORMAT/{name}"), index, n_alts)
            if value is not None:
                _fraction(value, f"FORMAT/{name}", fmt[name])  # raises outside 0..1
                return value, name
    return None
