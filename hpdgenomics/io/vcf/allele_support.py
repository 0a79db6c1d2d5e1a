"""FORMAT allele-support dialects: VAF, depth and ALT read count of one allele in one sample.

:func:`allele_support` reads the callers' own fields (Strelka2 tier-1 counts, ``AD``, Platypus
``NV``/``NR``, ``AF``/``FA``/``FREQ``/``VAF``/``VF``, INFO ``TVAF``/``TDP``, INFO ``AF``/``DP``);
an impossible number raises :class:`ImplausibleValue`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

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
    vaf = alt_depth = None
    basis = []
    dp_values = _counts(fmt.get("DP"), "FORMAT/DP")
    dp = _per_allele(dp_values, index, n_alts) if len(dp_values) == n_alts > 1 else \
        (dp_values[0] if dp_values else None)
    if len(ref) == 1 and len(alt) == 1 and f"{alt.upper()}U" in fmt and f"{ref.upper()}U" in fmt:
        alt_name, ref_name = f"{alt.upper()}U", f"{ref.upper()}U"
        alt_count = (_counts(fmt[alt_name], f"FORMAT/{alt_name}") or [None])[0]
        ref_count = (_counts(fmt[ref_name], f"FORMAT/{ref_name}") or [None])[0]
        if alt_count is not None and ref_count is not None:
            alt_depth = alt_count
            vaf = alt_count / (alt_count + ref_count) if alt_count + ref_count else None
            basis.append("Strelka2 tier-1 base counts")
    elif "TIR" in fmt and "TAR" in fmt:
        tir = (_counts(fmt["TIR"], "FORMAT/TIR") or [None])[0]
        tar = (_counts(fmt["TAR"], "FORMAT/TAR") or [None])[0]
        if tir is not None and tar is not None:
            alt_depth = tir
            vaf = tir / (tir + tar) if tir + tar else None
            basis.append("Strelka2 tier-1 TIR/TAR")
    if alt_depth is None and "AD" in fmt:
        ad = _counts(fmt["AD"], "FORMAT/AD")
        if len(ad) == n_alts + 1:
            alt_depth = ad[index + 1]
            total = sum(v for v in ad if v is not None)
        elif "RD" in fmt and len(ad) == n_alts:           # VarScan: AD = ALT reads, RD = REF
            alt_depth = ad[index]
            total = sum(v for v in ad if v is not None) + \
                ((_counts(fmt["RD"], "FORMAT/RD") or [0])[0] or 0)
        else:
            total = None
        if alt_depth is not None:
            basis.append("AD")
            fraction = _allele_fraction(fmt, index, n_alts)
            if fraction is not None:
                vaf, name = fraction
                basis.append(name)
            elif total:
                vaf = alt_depth / total
            if dp is None and total:
                dp = total
    if alt_depth is None and "NV" in fmt and "NR" in fmt:
        # Platypus: NV reads carrying each ALT, NR reads covering each ALT's position (Number=.)
        supporting = _per_allele(_counts(fmt["NV"], "FORMAT/NV"), index, n_alts)
        covering = _per_allele(_counts(fmt["NR"], "FORMAT/NR"), index, n_alts)
        if supporting is not None and covering:
            if supporting > covering:
                raise ImplausibleValue(f"FORMAT/NV={fmt['NV']} exceeds FORMAT/NR={fmt['NR']}: "
                                       "more reads carry the allele than cover its position")
            alt_depth, dp = supporting, covering
            vaf = supporting / covering
            basis.append("Platypus NV/NR")
    if vaf is None and alt_depth is None:
        fraction = _allele_fraction(fmt, index, n_alts)
        if fraction is not None:
            vaf, name = fraction
            basis.append(name)
    if vaf is None and alt_depth is None and info and ("TVAF" in info or "TDP" in info):
        # PCGR/CPSR input convention: the tumour's VAF and depth copied into INFO TVAF/TDP
        vaf = _fraction(_per_allele(_numbers(info.get("TVAF"), "INFO/TVAF"), index, n_alts),
                        "INFO/TVAF", info.get("TVAF"))
        tdp = _counts(info.get("TDP"), "INFO/TDP")
        if dp is None and tdp:
            dp = tdp[0]
        basis.append("INFO TVAF/TDP")
    if vaf is None and alt_depth is None and n_samples <= 1 and info:
        # the text values, not htslib's float32 copies (0.12 stays 0.12)
        info_af = _fraction(_per_allele(_numbers(info.get("AF"), "INFO/AF"), index, n_alts),
                            "INFO/AF", info.get("AF"))
        if info_af is not None:
            vaf = info_af
            basis.append("INFO AF")
        info_dp = _counts(info.get("DP"), "INFO/DP")
        if dp is None and info_dp:
            dp = info_dp[0]
            basis.append("INFO DP")
    if dp is not None and "DP" in fmt:
        basis.append("DP")
    if vaf is not None and not (math.isfinite(vaf) and 0 <= vaf <= 1):
        raise ImplausibleValue(f"the allele fraction works out at {vaf:g} ({', '.join(basis)}), "
                               "outside 0..1")
    return AlleleSupport(vaf=vaf, depth=_as_int(dp), alt_depth=_as_int(alt_depth),
                         basis=", ".join(basis))


def _allele_fraction(fmt: dict[str, str], index: int, n_alts: int) -> tuple[float, str] | None:
    # DeepVariant/DeepSomatic write VAF, Illumina Pisces VF
    for name in ("AF", "FA", "FREQ", "VAF", "VF"):
        if name in fmt:
            value = _per_allele(_numbers(fmt[name], f"FORMAT/{name}"), index, n_alts)
            if value is not None:
                _fraction(value, f"FORMAT/{name}", fmt[name])  # raises outside 0..1
                return value, name
    return None
