"""Find the countries and international organisations named in a text (pure, torch-free).

The ISO base (formal and common names of every state) comes from ``pycountry``; the curated alias
file (``data/aliases.yaml``) adds what it lacks: short names, demonyms, hyphen prefixes, capitals and
seats of government, leaders and foreign ministers, and organisations. Matching is one compiled
regular expression over all surfaces, longest first, case-sensitive (so "US" is a country and "us" is
not), with word boundaries that still allow possessives ("China's") and hyphenated dyads
("US-China talks", "Sino-Russian").

Known traps and how they are handled (each has a test in ``tests/test_actors.py``):

- Blocked surfaces map to no actor because they name something else: "New Mexico", "Washington
  state", "Washington Post", "Indo-Pacific", "Indian Ocean", "South China Sea", "Latin American",
  "Northern Ireland", "Niger Delta", "New Guinea" (the island), "Korean Peninsula" and bare "Korea".
- Person names: "Jordan", "Chad", "Georgia" and "Washington" directly after a capitalised given
  name ("Michael Jordan", "George Washington") or before a capitalised surname ("Chad Johnson",
  "Jordan Henderson") are not countries, unless that next word is a title or institution
  ("Jordan Foreign Minister").
- US states: "Georgia" after "Atlanta," or before "governor" / "state" / "senator" is the US state.
- Niger vs Nigeria, the two Guineas and Papua New Guinea, Sudan vs South Sudan, Dominica vs the
  Dominican Republic are separated by longest match plus word boundaries. Bare "Congo" and
  "Congolese" mean the Democratic Republic of the Congo (COD, by far the more frequent in news);
  "Congo-Brazzaville", "Republic of the Congo" and "Brazzaville" mean COG.
- Lower-case "turkey" (the bird) never matches, because matching is case-sensitive. A sentence
  starting with "Turkey" the food is a documented false positive.
- Family and namesakes: "Trump" after Ivanka, Melania, Barron, Lara, Eric or Tiffany, and the bare US
  surnames "Bush", "Clinton", "Kerry" after a given name other than the politician's own ("Jeb Bush",
  "Chelsea Clinton", "Kate Bush") or before a surname ("Kerry Packer") are people, not the state.
- Any country surface right after an honorific ("Mr. French", "Capt. Jan Jordan" counts "Capt." as
  part of a name, not a sentence end) is a person's name.
- "Georgia" before "election", "runoff", "primary" or "special election" is the US state.

Leaders may be recorded with their terms (``{name: ..., since: YEAR, until: YEAR}`` in the alias
table). The finder does not filter by date: a former leader named in a sentence still names that
country, as event coders do; the terms are kept for users who filter rows by article date.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from infer.schema import Actor, Mention, MentionKind

# Surfaces that contain a country surface but name something else; they win by being longer.
BLOCKED_SURFACES: tuple[str, ...] = (
    "New Mexico", "New Mexican", "Washington state", "Washington State", "Washington Post",
    "Washington Times", "Washington Nationals", "Washington Commanders", "Washington Wizards",
    "Washington Capitals", "University of Washington", "Indo-Pacific", "Indo-European",
    "Indian Ocean", "South China Sea", "East China Sea", "Latin America", "Latin American",
    "Latin Americans", "South America", "South American", "Central America", "Central American",
    "North America", "North American", "Native American", "Native Americans", "American Samoa",
    "Northern Ireland", "Niger Delta", "Niger River", "New Guinea", "Korean Peninsula",
    "Korean peninsula", "Korean War", "Korea", "Korean", "Koreans", "Persian Gulf",
    "Arabian Sea", "Turkey Point", "Jordan River", "Congo River", "Congo Basin", "Sudan Tribune",
)

# Words that may follow a country name without making it a person's given name.
_NOT_A_SURNAME = (
    "President|Prime|Foreign|Minister|Ministry|Government|Army|Armed|Defence|Defense|King|Queen|"
    "Crown|Parliament|Embassy|National|Central|Interior|Health|Trade|Finance|Energy|Red|Air|Navy|"
    "Coast|Football|Olympic|Security|Supreme|Senate|Congress|Chamber|State|Republic|Federal|"
    "On|In|At|And|Or|But|The|Today|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
)
# Country names that are also given names or US states: vetoed by their immediate context.
_PERSON_LIKE = {"Jordan", "Chad", "Georgia", "Washington", "Kerry"}
_GIVEN_NAME_BEFORE = re.compile(r"(?:^|[^\w.])([A-Z][a-z]+) $")
_SURNAME_AFTER = re.compile(rf"^ (?!(?:{_NOT_A_SURNAME})\b)[A-Z][a-z]+")
_US_STATE_CONTEXT = re.compile(
    r"(?:Atlanta|Savannah|Augusta|Athens|Macon), $|state of $|U\.S\. state of $"
)
_US_STATE_AFTER = re.compile(r"^(?:'s)? (?:governor|state|senator|legislature|Republicans|Democrats|voters|election|"
                             r"elections|runoff|runoffs|primary|special election|Senate race)\b")
# Honorifics before a surface make it a person's name ("Mr. French"); "Capt." etc. are no sentence end.
_HONORIFIC_BEFORE = re.compile(r"(?:^|\W)(?:Mr|Mrs|Ms|Mx|Dr|Capt|Sen|Rep|Gen|Col|Lt|Sgt|Prof|Gov|Rev)\.? $")
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "Capt.", "Sen.", "Rep.", "Gen.", "Col.", "Lt.", "Sgt.", "Prof.", "Gov.", "Rev.", "St.")
# Surnames that also belong to relatives or namesakes: vetoed after a given name not in the set.
_FAMILY_SURNAMES = {"Trump": {"Donald"}, "Bush": {"George", "W.", "H.W.", "H. W."}, "Clinton": {"Bill", "Hillary"},
                    "Kerry": {"John"}}
_LEADER_TITLES = {"President", "Secretary", "Senator", "Governor", "Former", "State", "Mr", "Mrs", "Ms", *_ABBREVIATIONS}
_GIVEN_NAMES = {"Michael", "George", "Denzel", "Booker", "Martha", "Isaiah", "Eddie", "Vernon", "Kerry", "Grover"}
_SENTENCE_START_WORDS = {"In", "On", "At", "From", "When", "While", "And", "But", "Both", "Then", "Meanwhile", "Later",
                         "Earlier", "Today", "Yesterday", "After", "Before", "As", "If", "Since", "Though", "Although"}


@dataclass(frozen=True)
class _Entry:
    code: str | None  # None for a blocked surface
    kind: MentionKind


def _iso_names(code: str) -> list[str]:
    """Formal and common names of a state from pycountry, skipping inverted forms ("Korea, Republic of")."""
    import pycountry

    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return []
    names = dict.fromkeys(getattr(country, attr, None) for attr in ("common_name", "name", "official_name"))
    out = []
    for name in filter(None, names):
        if "," in name or "(" in name:
            continue
        out.append(name.removeprefix("the "))
    return out


class ActorFinder:
    """Finds actors in text.

    >>> finder = ActorFinder.from_yaml("data/aliases.yaml")  # doctest: +SKIP
    >>> [a.code for a in finder.find("Beijing and Moscow reject US-China criticism.")]  # doctest: +SKIP
    ['CHN', 'RUS', 'USA']
    """

    def __init__(self, table: dict, include_organisations: bool = True) -> None:
        self.leader_terms: dict[str, tuple[int | None, int | None]] = {}
        """Leader surface -> (since, until) years, where the alias table records a term."""
        table = self._normalise(table)
        self.table = table
        self._prefixes: dict[str, str] = {}
        self.include_organisations = include_organisations
        surfaces: dict[str, _Entry] = {}
        for code, entry in sorted(table.get("countries", {}).items()):
            self._add(surfaces, _iso_names(code), code, MentionKind.NAME)
            self._add_entry(surfaces, code, entry)
        if include_organisations:
            for code, entry in sorted(table.get("organisations", {}).items()):
                self._add_entry(surfaces, code, entry)
        for code, entry in sorted(table.get("actors", {}).items()):  # user actors: groups, parties, regions
            self._add_entry(surfaces, code, entry)
        for surface in BLOCKED_SURFACES:
            surfaces[surface] = _Entry(None, MentionKind.NAME)
        # ALL-CAPS variants of longer names, capitals and demonyms, for datelines ("NAIROBI, May 3").
        for surface, item in list(surfaces.items()):
            upper = surface.upper()
            if len(surface) > 4 and upper != surface and upper not in surfaces and item.kind is not MentionKind.LEADER:
                surfaces[upper] = item
        self.surfaces = surfaces
        alternatives = sorted(surfaces, key=lambda s: (-len(s), s))
        body = "|".join(re.escape(s) for s in alternatives)
        # (?<!\w) / (?!\w) are word boundaries that also hold before "'s" and around hyphens.
        self._pattern = re.compile(rf"(?<![\w&])(?:{body})(?![\w&])")
        self._prefix = re.compile(
            r"(?<![\w-])(" + "|".join(re.escape(p) for p in sorted(self._prefixes, key=len, reverse=True)) + r")-(?=\w)"
        ) if self._prefixes else None

    def _normalise(self, table: dict) -> dict:
        """The table with every leader as a plain string; ``{name, since, until}`` entries keep their
        term in :attr:`leader_terms` (recorded, not used to filter: see the module docstring)."""
        out = {section: dict(entries or {}) for section, entries in table.items()}
        for section in ("countries", "organisations", "actors"):
            for code, entry in out.get(section, {}).items():
                names = []
                for leader in (entry or {}).get("leaders") or []:
                    if isinstance(leader, dict):
                        if "name" not in leader:
                            raise ValueError(f"alias table: {section}.{code}.leaders: an entry without 'name': {leader}")
                        self.leader_terms[str(leader["name"])] = (leader.get("since"), leader.get("until"))
                        leader = leader["name"]
                    names.append(str(leader))
                out[section][code] = {**(entry or {}), "leaders": names}
        return out

    @property
    def prefixes(self) -> dict[str, str]:
        """Hyphen combining forms ("Sino") and their codes."""
        return dict(self._prefixes)

    @functools.cached_property
    def codes(self) -> frozenset[str]:
        """Every code this finder can return."""
        return frozenset(e.code for e in self.surfaces.values() if e.code is not None)

    def _add_entry(self, surfaces: dict[str, _Entry], code: str, entry: dict) -> None:
        self._add(surfaces, entry.get("names") or [], code, MentionKind.NAME)
        self._add(surfaces, entry.get("demonyms") or [], code, MentionKind.DEMONYM)
        self._add(surfaces, entry.get("capitals") or [], code, MentionKind.CAPITAL)
        self._add(surfaces, (entry.get("leaders") or []) + (entry.get("surnames") or []), code, MentionKind.LEADER)
        for prefix in entry.get("prefixes") or []:
            self._prefixes[prefix.rstrip("-")] = code

    @staticmethod
    def _add(surfaces: dict[str, _Entry], names: Iterable[str], code: str, kind: MentionKind) -> None:
        for name in names:
            name = str(name).strip()
            # The first code to claim a surface keeps it; names outrank later metonyms.
            if name and name not in surfaces:
                surfaces[name] = _Entry(code, kind)

    @classmethod
    def from_yaml(cls, path: str | Path, include_organisations: bool = True, extra: str | Path | None = None) -> ActorFinder:
        """Load the alias table from a YAML file (see ``data/aliases.yaml``), with an optional user
        overlay of the same schema laid over it (:func:`merge_tables`)."""
        with open(path, encoding="utf-8") as f:
            table = yaml.safe_load(f)
        if not isinstance(table, dict) or "countries" not in table:
            raise ValueError(f"{path}: not an alias table (no 'countries' key)")
        if extra is not None:
            with open(extra, encoding="utf-8") as f:
                overlay = yaml.safe_load(f) or {}
            if not isinstance(overlay, dict):
                raise ValueError(f"{extra}: not an alias overlay (expected sections countries, organisations, actors)")
            table = merge_tables(table, overlay, source=str(extra))
        return cls(table, include_organisations=include_organisations)

    def find(self, text: str) -> list[Actor]:
        """Actors in ``text`` in order of first mention, each with all its mentions.

        Several names for one country make one actor with several mentions.
        """
        found: dict[str, list[Mention]] = {}
        covered: list[tuple[int, int]] = []  # spans of every surface match, blocked ones included
        for m in self._pattern.finditer(text):
            entry = self.surfaces[m.group(0)]
            covered.append(m.span())
            if entry.code is None or self._vetoed(text, m.start(), m.end(), entry.kind):
                continue
            found.setdefault(entry.code, []).append(Mention(m.start(), m.end(), m.group(0), entry.kind))
        if self._prefix is not None:
            for m in self._prefix.finditer(text):
                if any(a <= m.start(1) < b for a, b in covered):
                    continue
                code = self._prefixes[m.group(1)]
                found.setdefault(code, []).append(Mention(m.start(1), m.end(1), m.group(1), MentionKind.DEMONYM))
        actors = [Actor(code, tuple(sorted(ms, key=lambda x: x.start))) for code, ms in found.items()]
        return sorted(actors, key=lambda a: a.mentions[0].start)

    @staticmethod
    def _vetoed(text: str, start: int, end: int, kind: MentionKind = MentionKind.NAME) -> bool:
        """True when context shows a person's name or a US state, not a country."""
        surface = text[start:end]
        before = text[max(0, start - 40):start]
        if kind is not MentionKind.LEADER and _HONORIFIC_BEFORE.search(before):
            return True  # "Mr. French", "Dr. Jordan" ("Mr. Trump" is the leader)
        if surface.endswith("Trump") and text[end:end + 4] == " Jr.":
            return True
        if surface in _FAMILY_SURNAMES:
            given = re.search(r"([A-Z][\w.]*(?: [A-Z]\.)?) $", before)
            word = given.group(1) if given else None
            if word and word not in _FAMILY_SURNAMES[surface] and word not in _LEADER_TITLES and word not in _SENTENCE_START_WORDS:
                return True  # "Ivanka Trump", "Jeb Bush", "Chelsea Clinton", "Kate Bush"
        if surface == "Kerry" and before.endswith("County "):
            return True
        if surface not in _PERSON_LIKE:
            return False
        before, after = text[max(0, start - 40):start], text[end:end + 40]
        given = _GIVEN_NAME_BEFORE.search(before)
        if given:
            word = given.group(1)
            at_start = _is_sentence_start(text, start - len(word) - 1)
            # Mid-sentence, a capitalised word before the name is a given name ("said Michael Jordan");
            # at the start of a sentence only known given names count ("Neighbouring Jordan" is a country).
            if (not at_start and word not in _SENTENCE_START_WORDS) or word in _GIVEN_NAMES:
                return True
        if _SURNAME_AFTER.match(after):
            return True
        if surface == "Georgia" and (_US_STATE_CONTEXT.search(before) or _US_STATE_AFTER.match(after)):
            return True
        return False


SURFACE_KEYS = ("names", "demonyms", "prefixes", "capitals", "leaders", "surnames")


def merge_tables(base: dict, extra: dict, source: str = "overlay") -> dict:
    """The alias table ``base`` with a user overlay (same schema) laid over it: new codes are added
    (sections ``countries``, ``organisations`` and ``actors``, the last for non-state and sub-state
    actors such as armed groups, parties or regions), lists of an existing code are extended, and a
    surface the overlay names is taken from whichever code held it before.

    >>> base = {"countries": {"BEL": {"capitals": ["Brussels"]}}}
    >>> extra = {"organisations": {"EU": {"names": ["Brussels"]}}, "actors": {"HEZ": {"names": ["Hezbollah"]}}}
    >>> merged = merge_tables(base, extra)
    >>> merged["countries"]["BEL"]["capitals"], merged["organisations"]["EU"]["names"], sorted(merged["actors"])
    ([], ['Brussels'], ['HEZ'])
    """
    unknown = set(extra) - {"countries", "organisations", "actors"}
    if unknown:
        raise ValueError(f"{source}: unknown sections {sorted(unknown)} (known: countries, organisations, actors)")
    claimed = {str(x["name"] if isinstance(x, dict) else x) for entries in extra.values() for entry in (entries or {}).values()
               for key in SURFACE_KEYS for x in (entry or {}).get(key) or []}
    out: dict = {}
    for section in sorted(set(base) | set(extra)):
        entries = {code: {key: [x for x in value if str(x["name"] if isinstance(x, dict) else x) not in claimed]
                          if key in SURFACE_KEYS and isinstance(value, list) else value for key, value in (entry or {}).items()}
                   for code, entry in (base.get(section) or {}).items()}
        for code, entry in (extra.get(section) or {}).items():
            if not isinstance(entry, dict):
                raise ValueError(f"{source}: {section}.{code}: expected a mapping of surface lists")
            bad = set(entry) - set(SURFACE_KEYS)
            if bad:
                raise ValueError(f"{source}: {section}.{code}: unknown keys {sorted(bad)} (known: {', '.join(SURFACE_KEYS)})")
            merged = dict(entries.get(code, {}))
            for key, value in entry.items():
                merged[key] = list(merged.get(key) or []) + [x for x in value or [] if x not in (merged.get(key) or [])]
            entries[code] = merged
        out[section] = entries
    return out


def _is_sentence_start(text: str, pos: int) -> bool:
    """True if ``pos`` is the start of the text or follows sentence-final punctuation (an abbreviation
    such as "Capt." or "Dr." is no sentence end)."""
    head = text[:pos].rstrip()
    if head.endswith(_ABBREVIATIONS):
        return False
    return not head or head[-1] in ".!?\"'”’:;—-"


def directed_pairs(actors: list[Actor]) -> list[tuple[Actor, Actor]]:
    """All ordered pairs of different actors: n actors give n * (n - 1) pairs.

    >>> a, b = Actor("USA", ()), Actor("CHN", ())
    >>> [(s.code, t.code) for s, t in directed_pairs([a, b])]
    [('USA', 'CHN'), ('CHN', 'USA')]
    """
    return [(s, t) for s in actors for t in actors if s.code != t.code]
