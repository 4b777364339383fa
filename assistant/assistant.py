"""The facade: load (or build) the index for a corpus and answer questions about it."""

from __future__ import annotations

import functools
import logging
import re

from . import answer as tpl
from . import index as idx
from .codes import CodeRef, identifiers, mention, mentions, named_in
from .config import Settings
from .embed import Embedder
from .errors import IndexFileError
from .gaps import left_out, not_listed, payer_left_out, uncovered_topic, unstated_topic
from .icd import QUALIFIER_SHARE, icd_words
from .ingest import code_key, load_corpus, sentences
from .lexicon import lexicon
from .models import PROCEDURE_KINDS, Answer, Document, Hit, IngestIssue
from .query import Query, parse, with_earlier
from .retrieve import Retriever
from .route import HISTORY_TURNS, Route, Router, load_params
from .rules import RuleSelector
from .search import Search
from .select import query_views, row_types, speaks_for
from .signals import PRESENCE, names_payer, refuses_use, row_refuses, shared
from .vocab import Catalog, stems, tokenize

# What joins alternatives in a question: a slash between words, "and", "or", "&".
JOINED = re.compile(r"\s*/\s*|\s+(?:and|or|&)\s+")

__all__ = ["Assistant", "Settings"]

log = logging.getLogger(__name__)
# How a question opens when it asks what something is ("what's a …", "define …").
ASKS_MEANING = r"^(?:what\s*(?:'s|s|\s+is|\s+are|\s+does)|define|meaning of)"
MAX_QUESTION_CHARS = 2000


def also_line(report: str) -> str:
    """The line naming a second report the router found close to the one answered from."""
    return f"The {report} report also speaks to this."


def held(said: set[str], ans: Answer) -> set[str]:
    """The words of ``said`` (tokens) that the quotes of ``ans`` hold, word families counted as one."""
    return shared(said, set(tokenize(" ".join(c.quote for c in ans.citations))))


class Assistant:
    """Answers questions about a corpus of coding reports, citing the passages it quotes."""

    def __init__(self, settings: Settings, docs: list[Document], issues: list[IngestIssue],
                 index: idx.Index, embedder: Embedder) -> None:
        self.settings, self.docs, self.issues, self.index, self.embedder = settings, docs, issues, index, embedder
        embedder.prime(index.passages.texts, index.passages.vectors)  # report text never needs the model
        # A word ICD-10-CM uses is spelled right: typo repair leaves the code set's medical words alone.
        terms = (icd_words().spellings if any(c.code_type == "icd10" for c in index.chunks)
                 else frozenset())
        self.catalog = Catalog(index.chunks, embedder.whole_words(), terms)
        # The reports whose prose names each code (``codes.mentions``), so that a code no table lists costs a
        # look-up rather than a pass over every passage.
        self.mentioned: dict[tuple[str, str], set[str]] = {}
        for c in index.chunks:
            if c.kind == "prose":
                for m in mentions(c.text):
                    self.mentioned.setdefault(m, set()).add(c.doc_code)
        self.findings: dict[str, list] = {}
        for f in index.manifest.findings:
            self.findings.setdefault(f.chunk_id, []).append(f)
        self.retriever = Retriever(index, embedder, settings.mode)
        self.select = RuleSelector(settings, docs, index, self.catalog, self.retriever, embedder)
        self.search = Search(settings, docs, self.catalog, self.select)
        self.rebuilt: str | None = None
        self.router = Router(self.catalog, index, self.retriever, load_params()) if settings.route else None

    @classmethod
    def load(cls, settings: Settings | None = None, rebuild: bool = False, warm: bool = True, **overrides) -> Assistant:
        """Open the corpus and its index, building or refreshing the index when it doesn't match."""
        settings = settings or Settings(**overrides)
        docs, issues = load_corpus(settings.corpus_dir)
        for issue in issues:
            log.warning("%s", issue)
        embedder = Embedder(settings.model)
        previous, reason = None, "forced by `assistant build`" if rebuild else None
        try:
            previous = idx.load(settings.index_dir)
            reason = reason or previous.stale_reason(docs, embedder.model_name)
        except IndexFileError as exc:
            reason = f"{exc}" if (settings.index_dir / "CURRENT").exists() else "no index yet"
        index = previous
        if reason is not None or previous is None:
            log.warning("building the index in %s: %s", settings.index_dir, reason)
            index = idx.build(docs, issues, embedder, settings.index_dir, previous=previous)
        bot = cls(settings, docs, issues, index, embedder)  # type: ignore[arg-type]
        bot.rebuilt = reason
        if warm:
            bot.warm_up()
        return bot

    def warm_up(self) -> None:
        """Load the model and the BM25 index now rather than on the first question."""
        self.retriever.warm_up()
        if self.router is not None:
            self.router.warm_up()
        self.embedder.encode_query("warm up")
        if any(c.code_type == "icd10" for c in self.index.chunks):
            icd_words()  # what ICD-10-CM calls conditions, to check a diagnosis row offered for one

    # -- answering -----------------------------------------------------------------------------

    def ask(self, question: str, history: list[str] | None = None, document: str | None = None) -> Answer:
        """Answer ``question``; ``history`` is the chat's earlier user turns, oldest first;
        ``document`` restricts the answer to one report (its code)."""
        question = question if isinstance(question, str) else str(question)
        clean = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
        empty = Query(original=question, text="")
        if not clean:
            return tpl.abstain(empty, "Please type a question, e.g. “when do I use modifier 53?”.")
        if len(clean) > MAX_QUESTION_CHARS:
            return tpl.abstain(empty, f"That question is {len(clean):,} characters long; please keep it under "
                               f"{MAX_QUESTION_CHARS:,} (one question at a time).")
        history = [h[:MAX_QUESTION_CHARS] for h in (history or []) if isinstance(h, str)]
        query = parse(clean, self.catalog, history)
        # A follow-up that brings words of its own keeps only the earlier turn's report and kind of code;
        # when that finds nothing, the earlier question's situation is added ("and one who treats kids?"
        # after "which taxonomy for an anesthesiologist"). Its views join the one model call.
        wider = with_earlier(query, history)
        # A follow-up the router can't place on its own is about the report the earlier turn was about.
        earlier = parse(history[-1], self.catalog, history[:-1]) if query.followup and history else None
        self.embedder.expect_queries(query_views(query) + (query_views(wider) if wider else [])
                                     + (query_views(earlier) if earlier else [])
                                     + ([self.select.unscoped(query, set(query.reports))] if query.reports else []))
        scope = set(query.reports)
        if document and document.strip():
            scope = {document.strip().upper()}
        route = None
        ans = beside = None
        if not scope and self.router is not None and self.settings.route and len(self.docs) > 1:
            route = self.router.route(query, history)
            if earlier is not None and route.scope and not (query.codes or query.unknown or self.router.named(query)):
                # "and if the pt says no herself?" after "dx code when a parent refuses the vaccine": a follow-up
                # naming no report stays with the report the earlier turn was confidently routed to, whichever
                # report its own words lean to.
                before = self.router.route(earlier, history[:-1])
                if before.scope:
                    route = before
            if earlier is not None and not route.scope:
                before = self.router.route(earlier, history[:-1])
                asks_code = query.target or query.asks_place_of_service
                if before.scope or not asks_code:
                    route = before if before.scope else self._as_answered(route, history)
                elif (shown := self._as_answered(route, history)).confident:
                    # A code of the kind asked is looked for first beside the row the earlier answer quoted
                    # ("and the severe one?" after F33.1: F33.2, which holds every word of the turn), then
                    # anywhere: a code means the same in every report listing it, and the one asked for may be
                    # in another ("and for internal med?").
                    first = self._scoped(query, scope, shown)
                    said = {t for t in tokenize(query.text) if self.catalog.is_content(t)}
                    ans = first if first.answered and said and said <= held(said, first) else None
                    # When nothing elsewhere answers, or what does holds fewer of the turn's words, the code beside
                    # the row just shown does: "and if the pt says no herself?" after Z28.82 (caregiver refusal) is
                    # Z28.21 (patient refusal), in words of its own.
                    beside = first if first.answered else None
        ans = ans or self._scoped(query, scope, route)
        if beside is not None:
            # (A negation word, "no" in "what if the pt says no", describes no row.)
            telling = said - stems(lexicon().negation)
            if not ans.answered or len(held(telling, ans)) < len(held(telling, beside)):
                ans = beside
        if wider is not None and not ans.answered and ans.text == tpl.NOT_COVERED:
            retry = self._scoped(wider, scope, route)
            ans = retry if retry.answered else ans
        if earlier is not None and query.contrasts and not query.codes and ans.answered:
            ans = self._another_case(query, scope, route, history, ans)
        return self.with_warnings(self.with_items(self._payer_unmet(query, left_out(ans))))

    def _as_answered(self, route: Route, history: list[str]) -> Route:
        """A follow-up nothing places ("and cigna?") is about the report the user was just shown: the one
        the earlier turn's answer quoted, when it quoted one. Otherwise ``route`` stands. (Not for a follow-up
        asking for a kind of code: a code row means the same in every report that lists it, and the one
        the follow-up names may be in another: "and for internal med?" after a family-medicine taxonomy.)"""
        shown = {c.document for c in self.ask(history[-1], history[-HISTORY_TURNS:-1]).citations}
        report = shown.pop() if len(shown) == 1 else None
        if report is None or report not in {c.report for c in route.ranked}:
            return route
        ranked = sorted(route.ranked, key=lambda c: c.report != report)
        return route.model_copy(update={"ranked": tuple(ranked), "confident": True, "also": None,
                                        "reason": f"the earlier answer quoted the {report} report"})

    def _another_case(self, query: Query, scope: set[str], route: Route | None, history: list[str],
                      ans: Answer) -> Answer:
        """A follow-up setting another case beside the earlier one ("and if it's on the sacrum?" after "dx code
        for right heel pressure ulcer stage 3") asks for another row: when its answer is the very rows the earlier
        turn was answered with, and they hold none of the follow-up's own words, those rows are ruled out, as a
        code the question names to rule it out is ("…instead of 59"), and the next row answers, if one does."""
        rows = [self.select.chunk(c.chunk_id) for c in ans.citations]
        if not rows or any(r is None or r.kind != "row" or not r.code for r in rows):
            return ans
        said = self.catalog.own_words(query.text)
        if not said or held(said, ans):
            return ans
        shown = self.ask(history[-1], history[-HISTORY_TURNS:-1])
        if {c.chunk_id for c in shown.citations} != {c.chunk_id for c in ans.citations}:
            return ans
        ruled = tuple(CodeRef(key=code_key(r.code), type=r.code_type, raw=r.code) for r in rows)
        retry = self._scoped(query.model_copy(update={"ruled_out": query.ruled_out + ruled}), scope, route)
        return retry if retry.answered and retry.citations else ans

    def _payer_unmet(self, q: Query, ans: Answer) -> Answer:
        """An answer to a question about a payer ("does humana need prior auth for a skin bx") or a state's
        rules ("texas medicaid prior auth for 92928") quoting only reports that never name that payer, or
        that state, is another payer's rule, or none: abstain."""
        if not ans.answered or not ans.citations:
            return ans
        quoted = {c.document for c in ans.citations}
        for named in (q.payers, q.places):
            if named and not any(self._names(d, p) for d in quoted for p in named):
                many = len(quoted) > 1
                return tpl.abstain(q, f"{tpl.NOT_COVERED} The closest passage{'s are' if many else ' is'} in the "
                                      f"{' and '.join(sorted(quoted))} report{'s' * many}, which "
                                      f"{'do' if many else 'does'} not mention {named[0].title()}.")
        return ans

    @functools.cache  # noqa: B019 (one per loaded index; the cache lives as long as it)
    def _names(self, report: str, name: str) -> bool:
        """Whether a report names a payer or a place anywhere (once per report and name)."""
        return any(names_payer(c.text, (name,)) for c in self.select.chunks({report}))

    def _scoped(self, query: Query, scope: set[str], route: Route | None) -> Answer:
        """The answer from ``scope``, or from the routed report when the question names none."""
        if route is None:
            return self._answer(query, scope)
        query = query.model_copy(update={"routing": {c.report: c.probability for c in route.ranked}})
        return self._routed(query, route) or self._answer(query, scope)

    def _routed(self, query: Query, route: Route) -> Answer | None:
        """A question naming no report, answered from the report the router is confident about (None
        when it is not: the whole corpus answers; a question about a payer's rules takes its first-ranked
        report even then).

        Within one report the answer stage drops its title words as evidence (they tell none of its
        passages apart), yet they are often what routed the question: when the routed report's answer
        abstains, the whole corpus's answer stands if it quotes that report alone.
        """
        # A report the question names by its title words or defined letters ("ct a/p w contrast") is
        # where the answer comes from, however unsure the router is: no answer quotes a report it rules out.
        scope = route.scope
        if not scope and query.payers and not query.asks_code and route.ranked:
            # A payer's rules are stated per procedure: "humana prior auth for echo?" is answered from the
            # report the question is most about, or not at all; never from another report naming Humana.
            scope = {route.ranked[0].report}
        if not scope:
            return None
        ans = self._answer(query, scope)
        if route.confident and not route.sure and ans.answered and not route.ranked[0].named:
            # A route the router is unsure of (acted on below its own threshold, at the one the answers chose):
            # the routed report's answer stands unless the whole corpus's holds more of the question's own words
            # ("pt signed the form saying they will pay if medicare denies…, what modifier": GA's waiver row in
            # another report, not the routed report's closest modifier).
            wide = self._answer(query, set())
            said = self.catalog.own_words(query.text)
            if wide.answered and len(held(said, wide)) > len(held(said, ans)):
                ans = wide
        # ...unless the routed report's answer is that it does not state that fact (RVUs, prior authorization).
        # The whole corpus is searched only then, so a routed question is answered once.
        if not ans.answered and self._uncovered_topic(query, scope) is None:
            wide = self._answer(query, set())
            if wide.answered and wide.citations and {c.document for c in wide.citations} <= scope:
                ans = wide
        if route.also and ans.answered:
            ans = ans.model_copy(update={"text": f"{ans.text}\n\n{also_line(route.also)}"})
        return ans

    def with_items(self, ans: Answer) -> Answer:
        """An answer quoting a passage that introduces a list ("… should include:") quotes the list too, whichever
        of its sentences it quotes ("The run report must support the ALS1 level. Documentation should include:")."""
        if not ans.answered or not ans.citations:
            return ans
        items = self.select.items_after(ans.citations[-1].chunk_id)
        return tpl.with_items(ans, items) if items else ans

    def with_warnings(self, ans: Answer) -> Answer:
        """Attach the code-set findings of every cited row: the report's words stay, the official fact follows."""
        warnings = [f.warning() for c in ans.citations for f in self.findings.get(c.chunk_id, [])]
        return ans.model_copy(update={"warnings": warnings}) if warnings else ans

    def _answer(self, q: Query, scope: set[str]) -> Answer:
        if scope and not any(d.code in scope for d in self.docs):
            named = ", ".join(c for c in sorted(scope) if re.fullmatch(r"[0-9A-Z]{4,10}", c))
            return tpl.abstain(q, f"No report for {named} is in the corpus." if named else
                               "No report with that code is in the corpus; `assistant docs` lists them.")
        listed = {c: self.catalog.rows(c.key, c.type, scope) for c in q.codes}
        rows = [(c, r) for c, found in listed.items() for r in found]
        # A code no table lists but the prose names ("place of service 42 … is not used with A0427", "POS 02 or
        # 10", "bundle … (36000, 36410) into 36556") is answered from that prose.
        lacking = [c for c, found in listed.items() if not found] + list(q.unknown)
        in_prose = {c for c in lacking if (naming := self.mentioned.get(mention(c), set()))
                    and (not scope or naming & scope)}
        q = q.model_copy(update={"unknown": tuple(c for c in q.unknown if c not in in_prose)})
        missing = [c for c, found in listed.items() if not found and c not in in_prose]
        note = not_listed(q.unknown + tuple(missing), scope, self.index.chunks, self.catalog, len(self.docs))
        if not rows and (under := self._under_category(q, scope)):
            return under
        if not rows and not q.unknown and (q.target or q.asks_code) and (term := self._unused_term(q)):
            return tpl.abstain(q, f"{tpl.NOT_COVERED} No report mentions “{term}”.")
        if not rows:
            if q.unknown or missing:
                return tpl.abstain(q, note)
        if q.writing_request and not rows:
            return tpl.abstain(q, "I answer questions about what the reports say, quoting them; I don't write "
                                  "new text.")
        # A fact about a listed code is looked for in the reports that list it ("kx threshold dollar amount":
        # the reports listing KX, not any report that gives some amount).
        where = scope or {r.doc_code for _, r in rows}
        if q.payers and (gap := payer_left_out(q, self.select.chunks(where))):
            payer, chunk, sentence = gap
            return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} It names {payer.title()} only to say it leaves it out:",
                                      Hit(chunk=chunk, score=1.0), sentence)
        topic = self._uncovered_topic(q, where)
        if topic:
            if not scope and rows and len(self.docs) > 1:
                listing = " and ".join(sorted(where))
                codes = ", ".join(dict.fromkeys(c.raw.upper().lstrip("-") for c, _ in rows))
                topic += f" (Looked in the {listing} report{'s' if len(where) > 1 else ''}, which list {codes}.)"
            return tpl.abstain(q, topic)
        if not rows and in_prose and not q.unknown and not missing:
            # "can 0441T be billed with modifier 50": what the prose says of a code only the prose names (of a
            # payer's rule, a sentence speaking for the payer, as for a listed code below)...
            told = self.select.naming(q, where, {c.key.lower() for c in in_prose})
            if (told and any(named_in(told[1][0], c) for c in in_prose)
                    and (not q.payers or speaks_for(told[0].chunk, told[1][0], q.payers))):
                return tpl.prose_answer(q, told[0], told[1])
            # ...and when none of its sentences naming the code answers, the code is no more in the report than
            # if it named it nowhere.
            named = tuple(sorted(in_prose, key=lambda c: c.key))
            return tpl.abstain(q, not_listed(named, scope, self.index.chunks, self.catalog, len(self.docs)))
        if q.intent == "clinical_context" and (rows or q.target):
            # What the example says of the codes asked about (named, or of the asked kind), when one of its
            # sentences names them; else the codes' rows.
            keys = ({c.key.lower() for c in q.codes} if rows else
                    {code_key(k).lower() for k in self.catalog.codes_of(q.target, where or None)})
            told = self.select.naming(q, where, keys, example=True)
            if told:
                return tpl.prose_answer(q, told[0], told[1])
        ids = {i for i in identifiers(q.text) if tokenize(i) == [i]} - {code_key(r).lower() for r in q.reports}
        if not rows and not q.codes and ids:
            # "what's rev code 0483": an identifier only the prose names is answered by the sentence naming it.
            told = self.select.naming(q, where, ids)
            if told:
                return tpl.prose_answer(q, told[0], told[1])
        spelled = self._spelled_out(q, scope) if q.intent == "definition" and not q.codes and not q.unknown else None
        if spelled:
            return tpl.prose_answer(q, spelled[0], [spelled[1]])
        if (rows and q.payers and q.intent in ("lookup", "list", "compare")
                and not any(names_payer(r.text, q.payers) for _, r in rows)):
            # "medicaid rules for modifier JZ", "uhc 26/tc rules": a payer's rule for codes is a sentence naming
            # them and the payer; the codes' rows, naming no payer, are no such rule.
            told = self.select.naming(q, where, {c.key.lower() for c, _ in rows})
            if told and speaks_for(told[0].chunk, told[1][0], q.payers):
                return tpl.prose_answer(q, told[0], told[1])
            codes = ", ".join(dict.fromkeys(c.raw.upper().lstrip("-") for c, _ in rows))
            return tpl.abstain(q, f"{tpl.NOT_COVERED} It gives no {q.payers[0].title()} rule for {codes}.")
        if rows:
            hits = [Hit(chunk=r, score=1.0, exact=True) for _, r in rows]
            if q.intent == "compare" and len(hits) >= 2:
                return tpl.compare_answer(q, hits, note)
            if len(q.codes) >= 2:
                return tpl.list_answer(q, hits, detail=True, note=note)
            return tpl.row_answer(q, hits, note)
        if q.intent == "list":
            return self._list(q, scope)
        if scope and q.target == "pos" and not self.select.chunks(scope, kind="row", code_type="pos"):
            # A report with no place-of-service table names its sites in words ("Typical site of service:
            # Hospital outpatient department…"): its prose answers "place of service for …".
            q = q.model_copy(update={"target": None, "asks_code": False})
        if (scope and q.payers and q.intent in ("payer", "prose", "definition") and not q.target and not q.asks_code
                and not PRESENCE.search(q.text) and (said := self._payer_rows(q, scope))):
            # A payer table's row is what the report says of that payer, as a payer's section is in prose
            # ("does medicare require prior auth for 31231": the Medicare row, whichever of its cells says it).
            return tpl.row_answer(q, said)
        if (scope and not q.target and q.intent == "site_of_service"
                and q.asks_place_of_service
                and self.select.chunks(scope, kind="row", code_type="pos")):
            # "pharmacy giving flu shots, what pos": the report asked about lists places of service in a table,
            # whose rows name them; its prose answers when none fits.
            ans = self.search.answer(q.model_copy(update={"target": "pos"}), scope)
            if ans.answered:
                return ans
        ans = self.search.answer(q, scope)
        if ans.answered and (unstated := unstated_topic(q, ans)):
            return tpl.abstain(q, f"{tpl.NOT_COVERED} It gives no {unstated} for that.")
        return ans

    def _payer_rows(self, q: Query, scope: set[str]) -> list[Hit]:
        """The rows of the tables in ``scope`` that are about a payer the question names: rows of no kind of
        code whose first cell names it (a payer table's "Medicare | Covered when … | …")."""
        return [Hit(chunk=c, score=1.0, exact=True) for c in self.select.chunks(scope, kind="row")
                if c.code_type is None and c.cells and names_payer(c.cells[0], q.payers)]

    def _spelled_out(self, q: Query, scope: set[str]) -> tuple[Hit, str] | None:
        """For "what is the MCP", "MCP stands for?": the sentence where a report spells out the letters asked about
        ("…the ESRD monthly capitation payment (MCP) codes…"), in the reports of ``scope`` (any, when empty);
        of several, the one closest to the question. None when the question names no letters a report defines."""
        low = q.text.lower()
        found = []
        for abbr, chunks in self.catalog.defined_in.items():
            # The letters are what is asked about ("what is the MCP…", "MCP stands for?"), not a word of a
            # question about something else ("what does moderate mdm need", "taxonomy for a bcba").
            letters = rf"(?<![\w-]){re.escape(abbr)}(?![\w-])"
            if not re.search(rf"{ASKS_MEANING}\s+(?:(?:the|a|an)\s+)?{letters}|{letters}\s+(?:stands?|mean)", low):
                continue
            spelled = re.compile(rf"\({re.escape(abbr)}\)", re.I)
            found += [(c, s) for c in chunks if not scope or c.doc_code in scope
                      for s in sentences(c.text) if spelled.search(s)]
        if not found:
            return None
        vecs = self.embedder.encode_cached([s for _, s in found])
        best = int((vecs @ self.embedder.encode_query(q.retrieval_text)).argmax())
        chunk, sentence = found[best]
        return Hit(chunk=chunk, score=1.0, exact=True), sentence

    def _under_category(self, q: Query, scope: set[str]) -> Answer | None:
        """A question naming only ICD-10-CM categories no table lists ("all the F84 codes", "which H61.2- codes
        are in the dx table", "is F84 in it") is answered by the listed codes under them, said to be so."""
        if not q.unknown or q.codes or any(c.type != "icd10" for c in q.unknown):
            return None
        found = {c.raw.upper(): self.catalog.rows_under(c.key, scope) for c in q.unknown}
        if not all(found.values()):
            return None
        hits = [Hit(chunk=r, score=1.0, exact=True) for rows in found.values() for r in rows]
        many = len(found) > 1
        what = f"{' and '.join(found)} {'are categories' if many else 'is a category'} of ICD-10-CM"
        note = (f"{what}, not {'codes' if many else 'a code'} a table lists; "
                f"these are the listed codes under {'them' if many else 'it'}.")
        return tpl.list_answer(q, hits, detail=False, note=note)

    def _uncovered_topic(self, q: Query, scope: set[str]) -> str | None:
        """`gaps.uncovered_topic` over the reports in ``scope``; their passages are gathered only for a
        question that names a topic or a payer (most name neither)."""
        return uncovered_topic(q, self.select.chunks(scope)) if q.topics or q.payers else None

    def _list(self, q: Query, scope: set[str]) -> Answer:
        kind = row_types(q.target)
        candidates = self.select.chunks(scope, kind="row", code_type=kind)
        if q.target in (None, "pos") and q.asks_place_of_service:
            pos = [c for c in candidates if c.code_type == "pos"]
            if not pos:
                # "which pos codes can be used for 90935": a report without a place-of-service table names them
                # in its prose; its other tables (modifiers, taxonomies) are no answer. So whether "pos codes"
                # was read as another report's table heading ("POS Codes") or not.
                return self.search.answer(q.model_copy(update={"intent": "site_of_service", "target": None}), scope)
            kind, candidates = "pos", pos  # "which pos codes are listed": the place-of-service rows
        keep = self.select.keep(scope, kind="row", code_type=kind)
        if not candidates:
            return tpl.abstain(q, f"{tpl.NOT_COVERED} No report in scope has a {q.target or 'code'} table.")
        if refuses_use(q.text) and not self._situation(q):
            # "list the modifiers that should not go on 36415": the rows whose notes say they don't apply. (A
            # question saying when they don't, "…same month as 99490", is matched on its words below.)
            refused = [c for c in candidates if row_refuses(c)]
            if not refused:
                return tpl.abstain(q, f"{tpl.NOT_COVERED} It lists no {q.target or 'code'} as not to be used.")
            return tpl.list_answer(q, [Hit(chunk=c, score=1.0, exact=True) for c in refused], detail=True)
        terms = self.select.list_terms(q, candidates, scope)
        if not terms:
            hits = [Hit(chunk=c, score=1.0, exact=True) for c in candidates]
            return tpl.list_answer(q, hits, detail=False)
        hits = self.retriever.search(q.retrieval_text, keep, k=len(candidates))
        # The list stands on the row holding most of the asked words ("list the t3/t4 codes": a T3 row), the
        # first in rank among those, not on whichever row is first in rank.
        lead = max(hits, key=lambda h: len(shared(terms, self.select.tokens(h.chunk))), default=None)
        if lead is None or not self.select.supported(q, lead, candidates):
            return tpl.abstain(q, tpl.NOT_COVERED)
        top = max(h.dense for h in hits)
        vocab = {t for c in candidates for t in self.select.tokens(c)}
        known = terms & vocab
        # Rows holding every asked word the rows use are all listed ("what pos codes are listed for the awv":
        # each POS row names the AWV); rows only close in meaning are capped.
        # So are those holding every asked word of one of the kinds a question joins as alternatives ("heart
        # failure / cardiomyopathy dx codes", "copd and emphysema codes").
        parts = [p for p in (known & self.select.spelled(tokenize(t)) for t in JOINED.split(q.text.lower())) if p]
        wholes = [w for w in (known, *(parts if len(parts) >= 2 else ())) if w]
        holding = {h.chunk.id for h in hits if any(w <= shared(w, self.select.tokens(h.chunk)) for w in wholes)}
        chosen = [h for h in hits if h.dense >= top - self.settings.list_margin
                  or h.chunk.id in holding][: max(self.settings.list_max, len(holding))]
        return tpl.list_answer(q, chosen, detail=True)

    def _unused_term(self, q: Query) -> str | None:
        """A word of the question that names a condition or finding which no report uses, nor any name of a
        listed diagnosis: "icd for retinopathy of prematurity" asks for a code no report lists, whatever row is
        closest. Such a word is a term of the trade: ICD-10-CM spells it, on few of its items, and the
        embedding model's vocabulary does not hold it whole (it does hold "thrown", "highway", "college")."""
        index = icd_words()
        few = QUALIFIER_SHARE * index.items
        said = set(tokenize(q.asked_text))
        # What the question gives as an instance ("admin like lupron", "such as …") illustrates; it is not asked.
        text = re.sub(r"\b(like|such as|e\.?g\.?|for example|for instance)\s+\S+(\s+\S+)?", " ", q.text.lower())
        # A procedure's, a drug's or a condition's code asked for by a name no report uses ("cpt for laparoscopic
        # appendectomy", "hcpcs for zymfentra") is a term of the trade too, ICD-10-CM's or not: one the model's
        # vocabulary does not hold whole, and no slip of a report's word ("hypertenshun").
        naming_code = q.target in (*PROCEDURE_KINDS, "icd10")
        for word in re.findall(r"[a-z][a-z'-]{4,}", text):
            toks = tokenize(word)
            if not (len(toks) == 1 and (t := toks[0]) in said and word not in self.catalog.words
                    and self.catalog.df.get(t, 0) == 0 and t not in self._listed_names() and t not in q.spelled_out):
                continue
            if word in index.spellings and 0 < len(index.words.get(t, ())) <= few:
                return word
            # Another name joined to one the reports use ("entyvio / vedolizumab") names the same thing.
            if (naming_code and len(word) >= 6 and not self.catalog.resembles(word)
                    and not self._named_otherwise(text, word)):
                return word
        return None

    def _named_otherwise(self, text: str, word: str) -> bool:
        """Whether ``word`` is given with another name for it, one the reports use ("entyvio / vedolizumab",
        "benadryl (diphenhydramine)")."""
        w = re.escape(word)
        beside = re.findall(rf"([a-z][\w-]+)\s*(?:/|\bor\b|\()\s*{w}\b|\b{w}\s*(?:/|\bor\b|\()\s*([a-z][\w-]+)", text)
        return any(self.catalog.df.get(t, 0) for pair in beside for name in pair if name for t in tokenize(name))

    @functools.cache  # noqa: B019 (one per loaded index; the cache lives as long as it)
    def _listed_names(self) -> frozenset[str]:
        """Every token of the names ICD-10-CM gives the diagnosis rows the reports list."""
        return frozenset().union(*(self.retriever.names(c) for c in self.index.chunks))

    def _situation(self, q: Query) -> set[str]:
        """The question's content words beyond its report's code, its kind of code and the use it asks about."""
        lex = lexicon()
        asking = stems(frozenset((*lex.query_words, *lex.negation)))
        said = {t for t in tokenize(q.text) if self.catalog.is_content(t)} - asking
        return said - {code_key(r).lower() for r in q.reports} - {t for t in said if refuses_use(f"not {t}")}

    def documents(self) -> list[Document]:
        return list(self.docs)

