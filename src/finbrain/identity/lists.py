"""Sanctions lists (OFAC SDN, UK FCDO, UN) loaded into one model, versioned, and compared.

Each source keeps its own structure; this module maps all three onto ``ListEntry`` so screening
never has to know where an entry came from. Dates of birth are ISO strings that may be partial
("1980", "1980-02") because the lists themselves are partial; nationalities are ISO alpha-2
codes where the country name is recognised and the original text otherwise.

A list's ``version`` is the SHA-256 of its canonical entries, so two loads of the same data give
the same version and any change to any field gives a new one (what re-screening keys on).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, get_args

import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.datasets import identity as sources
from finbrain.datasets.bundle import data_bytes

__all__ = [
    "LIST_FILES",
    "LIST_IDS",
    "EntryKind",
    "ListDiff",
    "ListEntry",
    "ListId",
    "SanctionsList",
    "country_code",
    "diff_lists",
    "load_list",
    "load_lists",
    "parse_ofac_remarks",
]

ListId = Literal["ofac_sdn", "uk_fcdo", "un"]
EntryKind = Literal["person", "entity", "vessel", "aircraft", "unknown"]
LIST_IDS: tuple[ListId, ...] = get_args(ListId)
#: The data files each list is read from (paths in the data folder; all of them ship bundled).
#: ``load_list("ofac_sdn", newer_aliases=True)`` also reads ``identity/ofac_alt_2025/alt.csv``.
LIST_FILES: Mapping[str, tuple[str, ...]] = {
    "ofac_sdn": (
        "identity/ofac_sdn_2022/sdn.csv",
        "identity/ofac_sdn_2022/alt.csv",
        "identity/ofac_sdn_2022/add.csv",
    ),
    "uk_fcdo": ("identity/uk_fcdo_2025/uk_sanctions_list_2025-08-11.ods",),
    "un": ("identity/un_2018/consolidated.xml",),
}
_KINDS: tuple[EntryKind, ...] = get_args(EntryKind)


@dataclass(frozen=True)
class ListEntry:
    """One designated party as the list publishes it (names kept exactly as written)."""

    list_id: ListId
    entry_id: str
    kind: EntryKind
    name: str
    aliases: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()
    programs: tuple[str, ...] = ()
    remarks: str = ""
    # Low-quality aliases (OFAC remarks "a.k.a. 'X'", UN quality "Low"): the lists themselves say
    # they should not produce a hit on their own, so screening discounts them.
    weak_aliases: tuple[str, ...] = ()
    # Countries of listed addresses: weaker than nationality, so only ever evidence *for*.
    countries: tuple[str, ...] = ()
    gender: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (tuples as lists); the input of the version digest."""
        return {
            "list_id": self.list_id,
            "entry_id": self.entry_id,
            "kind": self.kind,
            "name": self.name,
            "aliases": list(self.aliases),
            "birth_dates": list(self.birth_dates),
            "nationalities": list(self.nationalities),
            "identifiers": [list(pair) for pair in self.identifiers],
            "programs": list(self.programs),
            "remarks": self.remarks,
            "weak_aliases": list(self.weak_aliases),
            "countries": list(self.countries),
            "gender": self.gender,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListEntry:
        list_id = str(data["list_id"])
        kind = str(data["kind"])
        if list_id not in LIST_IDS:
            raise ValidationError(f"unknown list {list_id!r}", field="list", rule="unknown_list")
        if kind not in _KINDS:
            raise ValidationError(f"unknown kind {kind!r}", field="kind", rule="unknown_kind")
        return cls(
            list_id=list_id,
            entry_id=str(data["entry_id"]),
            kind=kind,
            name=str(data["name"]),
            aliases=tuple(str(a) for a in data.get("aliases", ())),
            birth_dates=tuple(str(d) for d in data.get("birth_dates", ())),
            nationalities=tuple(str(n) for n in data.get("nationalities", ())),
            identifiers=tuple((str(t), str(v)) for t, v in data.get("identifiers", ())),
            programs=tuple(str(p) for p in data.get("programs", ())),
            remarks=str(data.get("remarks", "")),
            weak_aliases=tuple(str(a) for a in data.get("weak_aliases", ())),
            countries=tuple(str(c) for c in data.get("countries", ())),
            gender=None if data.get("gender") is None else str(data["gender"]),
        )

    @property
    def digest(self) -> str:
        return _sha256_json(self.as_dict())


def _sha256_json(value: Any) -> str:
    # Sorted keys and fixed separators: the entries hold only str/list/None, so this is canonical
    # (same bytes as RFC 8785 for such values) and much faster than a general JCS encoder.
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SanctionsList:
    list_id: ListId
    version: str
    published: str | None
    entries: tuple[ListEntry, ...]

    @classmethod
    def of(
        cls, list_id: ListId, entries: Iterable[ListEntry], published: str | None = None
    ) -> SanctionsList:
        """A list whose version is computed from its entries (order-independent)."""
        ordered = tuple(sorted(entries, key=lambda e: e.entry_id))
        ids = [e.entry_id for e in ordered]
        if len(set(ids)) != len(ids):
            raise ValidationError("entry ids must be unique", field="entries", rule="unique")
        version = hashlib.sha256(
            "\n".join(f"{e.entry_id}\t{e.digest}" for e in ordered).encode()
        ).hexdigest()
        return cls(list_id=list_id, version=version, published=published, entries=ordered)

    def by_id(self) -> dict[str, ListEntry]:
        return {entry.entry_id: entry for entry in self.entries}

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class ListDiff:
    """What changed between two versions of one list, by entry id."""

    list_id: ListId
    old_version: str
    new_version: str
    added: tuple[ListEntry, ...] = ()
    removed: tuple[ListEntry, ...] = ()
    changed: tuple[tuple[ListEntry, ListEntry], ...] = ()  # (old, new)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_lists(old: SanctionsList, new: SanctionsList) -> ListDiff:
    if old.list_id != new.list_id:
        raise ValidationError(
            f"cannot compare {old.list_id} with {new.list_id}", field="list", rule="same_list"
        )
    before, after = old.by_id(), new.by_id()
    added = tuple(after[i] for i in sorted(after.keys() - before.keys()))
    removed = tuple(before[i] for i in sorted(before.keys() - after.keys()))
    changed = tuple(
        (before[i], after[i]) for i in sorted(before.keys() & after.keys()) if before[i] != after[i]
    )
    return ListDiff(old.list_id, old.version, new.version, added, removed, changed)


# --- countries ----------------------------------------------------------------------------------

# Names the lists use that differ from the English short names in phonenumbers' locale table.
_COUNTRY_SYNONYMS = {
    "korea, north": "KP",
    "north korea": "KP",
    "democratic people's republic of korea": "KP",
    "dprk": "KP",
    "korea, south": "KR",
    "republic of korea": "KR",
    "burma": "MM",
    "iran (islamic republic of)": "IR",
    "islamic republic of iran": "IR",
    "syrian arab republic": "SY",
    "russian federation": "RU",
    "lao people's democratic republic": "LA",
    "laos": "LA",
    "united republic of tanzania": "TZ",
    "tanzania, united republic of": "TZ",
    "viet nam": "VN",
    "bolivia (plurinational state of)": "BO",
    "venezuela (bolivarian republic of)": "VE",
    "the former yugoslav republic of macedonia": "MK",
    "macedonia": "MK",
    "macedonia, the former yugoslav republic of": "MK",
    "man, isle of": "IM",
    "north macedonia": "MK",
    "republic of moldova": "MD",
    "moldova, republic of": "MD",
    "democratic republic of the congo": "CD",
    "congo, democratic republic of the": "CD",
    "congo, republic of the": "CG",
    "republic of the congo": "CG",
    "congo": "CG",
    "cote d'ivoire": "CI",
    "ivory coast": "CI",
    "united states of america": "US",
    "united states": "US",
    "usa": "US",
    "united kingdom of great britain and northern ireland": "GB",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "palestinian": "PS",
    "palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "state of palestine": "PS",
    "kosovo": "XK",
    "bosnia-herzegovina": "BA",
    "bosnia and herzegovina": "BA",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "taiwan": "TW",
    "the gambia": "GM",
    "gambia": "GM",
    "czech republic": "CZ",
    "czechia": "CZ",
    "turkey": "TR",
    "turkiye": "TR",
    "swaziland": "SZ",
    "eswatini": "SZ",
    "cabo verde": "CV",
    "cape verde": "CV",
    "holy see": "VA",
    "micronesia, federated states of": "FM",
    "saint kitts and nevis": "KN",
    "st. kitts and nevis": "KN",
    "saint vincent and the grenadines": "VC",
    "st. vincent and the grenadines": "VC",
    "saint lucia": "LC",
    "brunei darussalam": "BN",
    "timor-leste": "TL",
    "east timor": "TL",
    "region: gaza": "PS",
    "region: west bank": "PS",
    "netherlands antilles": "AN",
    "curacao": "CW",
    "sint maarten": "SX",
    "soviet union": "SU",
    "ussr": "SU",
    "yugoslavia": "YU",
    "serbia and montenegro": "CS",
    "china, people's republic of": "CN",
    "people's republic of china": "CN",
    "uae": "AE",
}
# Demonyms seen in the lists' nationality fields and in customer data.
_DEMONYMS = {
    "afghan": "AF",
    "algerian": "DZ",
    "ethiopian": "ET",
    "american": "US",
    "british": "GB",
    "chinese": "CN",
    "egyptian": "EG",
    "iranian": "IR",
    "iraqi": "IQ",
    "jordanian": "JO",
    "kuwaiti": "KW",
    "libyan": "LY",
    "pakistani": "PK",
    "russian": "RU",
    "saudi": "SA",
    "saudi arabian": "SA",
    "somali": "SO",
    "sudanese": "SD",
    "syrian": "SY",
    "tunisian": "TN",
    "yemeni": "YE",
    "north korean": "KP",
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("’", "'").split()).strip(" .")


@cache
def _country_table() -> dict[str, str]:
    # phonenumbers (already a dependency of identity) ships ISO alpha-2 -> English short name.
    from phonenumbers.geodata.locale import LOCALE_DATA

    table: dict[str, str] = {}
    for code, names in LOCALE_DATA.items():
        english = names.get("aa") or names.get("en")
        if english and not english.startswith("*"):
            table[_fold(english)] = code
        chinese = names.get("zh")
        if chinese and not chinese.startswith("*"):
            table[chinese] = code
        table[code.lower()] = code
    table.update(_COUNTRY_SYNONYMS)
    table.update(_DEMONYMS)
    return table


def country_code(text: str | None) -> str | None:
    """ISO 3166 alpha-2 code for a country name, demonym or code; None when not recognised."""
    if text is None:
        return None
    key = _fold(text)
    if not key:
        return None
    table = _country_table()
    if key in table:
        return table[key]
    # "Iran (Islamic Republic of)" style qualifiers, and "Tehran, Iran" style places.
    for candidate in (key.split(" (")[0], key.rsplit(",", 1)[-1].strip()):
        if candidate in table:
            return table[candidate]
    return None


def _nationality(text: str) -> str:
    # "Possibly Ethiopian", "Sudanese by birth", "United States. Also believed to hold ...".
    core = re.sub(
        r"^(?:possibly|probably)\s+|\s+by birth$", "", text.split(". ")[0].strip(), flags=re.I
    )
    return country_code(core) or " ".join(text.split())


# --- dates --------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_DAY_MONTH_YEAR = re.compile(r"(?:(\d{1,2})\s+)?([A-Za-z]{3})[a-z]*\.?\s+(\d{4})")
_YEAR_RANGE = re.compile(r"(\d{4})\s*(?:to|-|–)\s*(\d{4})")
_YEAR = re.compile(r"\b(\d{4})\b")


def parse_list_date(text: str) -> tuple[str, ...]:
    """ISO dates (possibly partial) in one OFAC/UN date text: "03 Feb 1980", "1960 to 1962"."""
    text = text.strip()
    iso = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if iso:
        return ("-".join(p for p in iso.groups() if p),)
    span = _YEAR_RANGE.search(text)
    if span:
        first, last = int(span.group(1)), int(span.group(2))
        if 0 <= last - first <= 10:
            return tuple(str(y) for y in range(first, last + 1))
    found = _DAY_MONTH_YEAR.search(text)
    if found and found.group(2).lower()[:3] in _MONTHS:
        day, month, year = found.group(1), _MONTHS[found.group(2).lower()[:3]], found.group(3)
        return (f"{year}-{month:02d}-{int(day):02d}" if day else f"{year}-{month:02d}",)
    year_only = _YEAR.search(text)
    return (year_only.group(1),) if year_only else ()


# --- OFAC ---------------------------------------------------------------------------------------

# Remark labels that introduce a document or registration number, longest first, mapped to the
# identifier type a customer record would carry.
_ID_LABELS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "Passport": "passport",
            "Diplomatic Passport": "passport",
            "British National Overseas Passport": "passport",
            "National ID No.": "national_id",
            "National Identification Number": "national_id",
            "Identification Number": "national_id",
            "Personal ID Card": "national_id",
            "Cedula No.": "national_id",
            "C.U.R.P.": "national_id",
            "Credencial electoral": "national_id",
            "Residency Number": "residency",
            "SSN": "ssn",
            "Tax ID No.": "tax_id",
            "R.F.C.": "tax_id",
            "NIT #": "tax_id",
            "RUC #": "tax_id",
            "Matricula Mercantil No": "registration",
            "Folio Mercantil No.": "registration",
            "Registration Number": "registration",
            "Registration ID": "registration",
            "Business Registration Number": "registration",
            "Business Registration Document #": "registration",
            "Commercial Registry Number": "registration",
            "Company Number": "registration",
            "Certificate of Incorporation Number": "registration",
            "Trade License No.": "registration",
            "C.R. No.": "registration",
            "Government Gazette Number": "registration",
            "Public Registration Number": "registration",
            "Chamber of Commerce Number": "registration",
            "D-U-N-S Number": "duns",
            "V.A.T. Number": "vat",
            "SWIFT/BIC": "swift",
            "Vessel Registration Identification IMO": "imo",
            "IMO": "imo",
            "Identification Number IMO": "imo",
            "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_msn",
            "Aircraft Tail Number": "aircraft_tail",
            "Driver's License No.": "driving_licence",
        }.items(),
        key=lambda pair: -len(pair[0]),
    )
)
# The alias ends at a quote that closes the remark ("a.k.a. 'AL-HAQ, 'Abd'; ..."), not at the first.
_WEAK_AKA = re.compile(r"[af]\.k\.a\.\s*'(.+?)'(?=\s*(?:;|\.?\s*$))")
_GENDERS = {"male": "male", "female": "female"}


@dataclass
class OfacRemarks:
    birth_dates: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    weak_aliases: list[str] = field(default_factory=list)
    gender: str | None = None


def normalise_identifier(value: str) -> str:
    """Documents compare on letters and digits only: "D489833(9)" == "D4898339"."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value).upper() if ch.isalnum())


def _identifier_value(text: str) -> str:
    """The number at the start of "123-45 (Iran) issued 2010": digit-bearing tokens, in order."""
    head = text.split(" (", 1)[0].strip()
    kept: list[str] = []
    for token in head.split():
        # Keep digit tokens and short upper-case prefixes ("AB 123456"); stop at prose.
        if any(ch.isdigit() for ch in token) or (len(token) <= 3 and token.isupper()):
            kept.append(token)
        else:
            break
    return normalise_identifier("".join(kept))


def parse_ofac_remarks(remarks: str | None) -> OfacRemarks:
    """Structured facts from OFAC's free-text remarks ("DOB 03 Feb 1980; nationality Iran; ...")."""
    out = OfacRemarks()
    if not remarks:
        return out
    out.weak_aliases = [" ".join(a.split()) for a in _WEAK_AKA.findall(remarks)]
    for raw in remarks.split(";"):
        part = raw.strip().rstrip(".")
        if part.startswith("alt. "):
            part = part[5:].strip()
        lower = part.lower()
        if lower.startswith("dob "):
            out.birth_dates.extend(parse_list_date(part[4:]))
        elif lower.startswith(("nationality ", "citizen ")):
            # Vessels: "Nationality of Registration X" is the flag; "possibly X" is still X.
            country = re.sub(
                r"^(?:of registration|possibly)\s+", "", part.split(" ", 1)[1], flags=re.I
            )
            out.nationalities.append(_nationality(country))
        elif lower.startswith("gender "):
            out.gender = _GENDERS.get(lower.split(" ", 1)[1].strip(" ."))
        else:
            for label, id_type in _ID_LABELS:
                if part.startswith(label + " "):
                    value = _identifier_value(part[len(label) :])
                    # A number has digits; "Passport issued by ..." prose is not an identifier.
                    if value and any(ch.isdigit() for ch in value):
                        out.identifiers.append((id_type, value))
                    break
    return out


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


_OFAC_KINDS: dict[str, EntryKind] = {
    "individual": "person",
    "entity": "entity",
    "vessel": "vessel",
    "aircraft": "aircraft",
}


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _ofac_entries(newer_aliases: bool) -> list[ListEntry]:
    frames = sources.load_ofac_sdn_2022()
    sdn, alt, add = frames["sdn"], frames["alt"], frames["add"]
    aliases: dict[int, list[str]] = {}
    for ent, name in zip(alt["ent_num"], alt["alt_name"], strict=True):
        if isinstance(name, str) and name.strip():
            aliases.setdefault(int(ent), []).append(name.strip())
    if newer_aliases:
        # OFAC never reuses an entry number, and the 2025 file agrees with 2022 on 99.7% of the
        # (ent_num, alt_num) pairs they share: its extra aliases belong to the same parties.
        # Aliases of parties designated after 2022 are skipped (their entry is not in this list).
        known = {int(e) for e in sdn["ent_num"]}
        newer = sources.load_ofac_alt_2025()
        for ent, name in zip(newer["ent_num"], newer["alt_name"], strict=True):
            if int(ent) in known and isinstance(name, str) and name.strip():
                aliases.setdefault(int(ent), []).append(name.strip())
    countries: dict[int, list[str]] = {}
    for ent, country in zip(add["ent_num"], add["country"], strict=True):
        code = country_code(country) if isinstance(country, str) else None
        if code:
            countries.setdefault(int(ent), []).append(code)
    entries: list[ListEntry] = []
    seen: set[str] = set()
    for row in sdn.itertuples(index=False):
        ent = int(str(row.ent_num))
        entry_id = str(ent)
        first = entry_id not in seen
        if not first:
            # This copy reuses one entry number for a second party (see the loader): keep both,
            # and leave the aliases/addresses filed under that number with the first.
            entry_id = f"{ent}#{sum(1 for s in seen if s.split('#')[0] == str(ent)) + 1}"
        seen.add(entry_id)
        remarks = _text(row.remarks)
        parsed = parse_ofac_remarks(remarks)
        programs = _unique(
            p.strip(" []") for p in re.split(r"\]\s*\[", _text(row.program)) if p.strip(" []")
        )
        entries.append(
            ListEntry(
                list_id="ofac_sdn",
                entry_id=entry_id,
                kind=_OFAC_KINDS.get(str(row.sdn_type), "unknown"),
                name=str(row.sdn_name).strip(),
                aliases=_unique(aliases.get(ent, []) if first else []),
                birth_dates=_unique(parsed.birth_dates),
                nationalities=_unique(parsed.nationalities),
                identifiers=tuple(dict.fromkeys(parsed.identifiers)),
                programs=programs,
                remarks=remarks,
                weak_aliases=_unique(parsed.weak_aliases),
                countries=_unique(countries.get(ent, []) if first else []),
                gender=parsed.gender,
            )
        )
    return entries


# --- UK -----------------------------------------------------------------------------------------

_UK_KINDS: dict[str, EntryKind] = {"Individual": "person", "Entity": "entity", "Ship": "vessel"}


_UK_FILE = "identity/uk_fcdo_2025/uk_sanctions_list_2025-08-11.ods"
_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


@dataclass(frozen=True)
class _UkRow:
    unique_id: str
    ofsi_group_id: str
    name: str
    regime_name: str
    type: str


def _uk_rows() -> list[_UkRow]:
    """The UK list's rows, read straight from the spreadsheet XML.

    ``datasets.identity.load_uk_fcdo`` reads the same checksum-pinned file through odfpy, which
    builds a DOM of the whole document and takes several seconds; streaming ``content.xml`` takes
    well under one and gives the same cells (stripped of layout whitespace, as the loader does).
    """
    with zipfile.ZipFile(io.BytesIO(data_bytes(_UK_FILE))) as archive:
        content = archive.read("content.xml")
    root = ET.fromstring(content)  # noqa: S314 - checksum-pinned file, no external entities
    table = next(root.iter(f"{_ODS_TABLE}table"))
    rows: list[list[str]] = []
    for row in table.iter(f"{_ODS_TABLE}table-row"):
        cells: list[str] = []
        for cell in row:
            text = "\n".join("".join(p.itertext()) for p in cell.iter(f"{_ODS_TEXT}p")).strip()
            # Trailing empty columns are stored once with a repeat count (often ~16k).
            repeat = int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
            cells.extend([text] * min(repeat, 16))
            if len(cells) >= 8:
                break
        rows.append(cells[:8] + [""] * (8 - len(cells)))
    header = [h.strip() for h in rows[0]]
    expected = ["Unique ID", "OFSI Group ID", "Name", "Regime Name", "Type"]
    if header[:5] != expected:
        raise ValidationError(
            f"unexpected UK list columns {header[:5]}", field="uk_fcdo", rule="columns"
        )
    return [_UkRow(*r[:5]) for r in rows[1:] if r[0]]


def _uk_entries() -> list[ListEntry]:
    # One designation can appear once per regime; the OFSI Group ID ties those rows together.
    groups: dict[str, list[_UkRow]] = {}
    for row in _uk_rows():
        key = row.ofsi_group_id or f"uid:{row.unique_id}"
        groups.setdefault(key, []).append(row)
    entries: list[ListEntry] = []
    for rows in groups.values():
        rows.sort(key=lambda r: str(r.unique_id))
        head = rows[0]
        names = _unique(r.name for r in rows)
        if not names:
            continue  # two rows of this copy have an empty Name cell: nothing to screen against
        others = [str(r.unique_id) for r in rows[1:]]
        remarks = f"also listed as {', '.join(others)}" if others else ""
        entries.append(
            ListEntry(
                list_id="uk_fcdo",
                entry_id=str(head.unique_id),
                kind=_UK_KINDS.get(head.type, "unknown"),
                name=names[0],
                aliases=names[1:],
                programs=_unique(r.regime_name for r in rows),
                remarks=remarks,
            )
        )
    return entries


# --- UN -----------------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _un_documents(node: ET.Element) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for doc in node.iterfind("INDIVIDUAL_DOCUMENT"):
        kind = _fold(_clean(doc.findtext("TYPE_OF_DOCUMENT")))
        number = _clean(doc.findtext("NUMBER"))
        if not number:
            continue
        id_type = "passport" if "pas" in kind else "national_id" if "nation" in kind else "other"
        # Some numbers are written "Jordan 654781": the country is not part of the number.
        tokens = [t for t in number.split() if any(ch.isdigit() for ch in t)]
        value = normalise_identifier("".join(tokens) if tokens else number)
        if value and any(ch.isdigit() for ch in value):
            found.append((id_type, value))
    return found


def _un_dates(node: ET.Element) -> list[str]:
    dates: list[str] = []
    for dob in node.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        exact = _clean(dob.findtext("DATE"))[:10] or _clean(dob.findtext("YEAR"))
        if exact:
            dates.extend(parse_list_date(exact))
            continue
        start, end = _clean(dob.findtext("FROM_YEAR")), _clean(dob.findtext("TO_YEAR"))
        if start and end:
            dates.extend(parse_list_date(f"{start} to {end}"))
    return dates


def _un_entry(node: ET.Element, person: bool) -> ListEntry:
    prefix = "INDIVIDUAL" if person else "ENTITY"
    parts = [
        _clean(node.findtext(tag))
        for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    ]
    name = " ".join(p for p in parts if p)
    good: list[str] = []
    weak: list[str] = []
    for alias in node.iterfind(f"{prefix}_ALIAS"):
        alias_name = _clean(alias.findtext("ALIAS_NAME"))
        if alias_name:
            quality = _clean(alias.findtext("QUALITY")).lower()
            (weak if quality == "low" else good).append(alias_name)
    original = _clean(node.findtext("NAME_ORIGINAL_SCRIPT"))
    if original:
        good.insert(0, original)
    countries = [
        country_code(_clean(a.findtext("COUNTRY"))) for a in node.iterfind(f"{prefix}_ADDRESS")
    ]
    comments = _clean(node.findtext("COMMENTS1"))
    gender = re.search(r"Gender \[(Male|Female)\]", comments)
    list_type = _clean(node.findtext("UN_LIST_TYPE"))
    return ListEntry(
        list_id="un",
        entry_id=_clean(node.findtext("REFERENCE_NUMBER")) or _clean(node.findtext("DATAID")),
        kind="person" if person else "entity",
        name=name,
        aliases=_unique(a for a in good if a != name),
        birth_dates=_unique(_un_dates(node)) if person else (),
        nationalities=_unique(
            _nationality(_clean(v.text))
            for v in node.iterfind("NATIONALITY/VALUE")
            if _clean(v.text)
        ),
        identifiers=tuple(dict.fromkeys(_un_documents(node))),
        programs=(list_type,) if list_type else (),
        remarks=comments,
        weak_aliases=_unique(a for a in weak if a != name),
        countries=_unique(c for c in countries if c),
        gender=gender.group(1).lower() if gender else None,
    )


def _un_list() -> SanctionsList:
    # The loader's frame lacks documents, alias quality and addresses, so the checksum-pinned
    # file is read here directly. ElementTree fetches no external entities (see the loader).
    raw = data_bytes("identity/un_2018/consolidated.xml")
    root = ET.fromstring(raw)  # noqa: S314
    entries = [_un_entry(n, True) for n in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    entries += [_un_entry(n, False) for n in root.iterfind("ENTITIES/ENTITY")]
    published = (root.get("dateGenerated") or "")[:10] or None
    return SanctionsList.of("un", entries, published)


def load_list(list_id: str, *, newer_aliases: bool = False) -> SanctionsList:
    """Load one list. ``newer_aliases`` adds OFAC's 2025 aliases to the 2022 SDN parties."""
    if list_id == "ofac_sdn":
        return SanctionsList.of("ofac_sdn", _ofac_entries(newer_aliases), "2022-01")
    if list_id == "uk_fcdo":
        return SanctionsList.of("uk_fcdo", _uk_entries(), "2025-08-11")
    if list_id == "un":
        return _un_list()
    raise ValidationError(
        f"unknown list {list_id!r}; choose from {', '.join(LIST_IDS)}",
        field="list",
        rule="unknown_list",
    )


def load_lists(
    ids: Sequence[str] = LIST_IDS, *, newer_aliases: bool = False
) -> tuple[SanctionsList, ...]:
    for list_id in ids:
        if list_id not in LIST_IDS:
            raise ValidationError(
                f"unknown list {list_id!r}; choose from {', '.join(LIST_IDS)}",
                field="list",
                rule="unknown_list",
            )
    return tuple(load_list(i, newer_aliases=newer_aliases) for i in dict.fromkeys(ids))
