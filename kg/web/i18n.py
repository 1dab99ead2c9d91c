"""The web app's own words, in English and Arabic."""

from __future__ import annotations

from kg.i18n import text

UI: dict[str, dict[str, str]] = {
    "site": {"en": "ICT cooperation knowledge graph", "ar": "الرسم المعرفي للتعاون في الاتصالات وتكنولوجيا المعلومات"},
    "search": {"en": "Search", "ar": "بحث"},
    "search_placeholder": {"en": "A name in Arabic or English", "ar": "اسم بالعربية أو الإنجليزية"},
    "results": {"en": "Results", "ar": "النتائج"},
    "no_results": {"en": "Nothing matches.", "ar": "لا نتائج مطابقة."},
    "timeline": {"en": "Timeline", "ar": "الخط الزمني"},
    "map": {"en": "Map", "ar": "الخريطة"},
    "articles": {"en": "Articles", "ar": "المقالات"},
    "sparql": {"en": "SPARQL query UI", "ar": "واجهة استعلام SPARQL"},
    "docs": {"en": "Ontology documentation", "ar": "توثيق الأنطولوجيا"},
    "switch": {"en": "العربية", "ar": "English"},
    "types": {"en": "Types", "ar": "الأنواع"},
    "labels": {"en": "Labels", "ar": "التسميات"},
    "facts": {"en": "Facts", "ar": "الحقائق"},
    "no_facts": {"en": "No facts are recorded about it.", "ar": "لا حقائق مسجلة عنه."},
    "evidence": {"en": "Evidence", "ar": "الدليل"},
    "no_evidence": {"en": "no quote", "ar": "بلا اقتباس"},
    "mentions": {"en": "Mentions in sources", "ar": "الإشارات في المصادر"},
    "shown_of": {"en": "{shown} of {total} shown", "ar": "المعروض {shown} من {total}"},
    "more_quotes": {"en": "{n} more quotation(s)", "ar": "اقتباسات أخرى: {n}"},
    "show_all": {"en": "Show everything", "ar": "عرض الكل"},
    "rows_of": {"en": "{first}–{last} of {total}", "ar": "{first}–{last} من {total}"},
    "previous": {"en": "Previous page", "ar": "الصفحة السابقة"},
    "next": {"en": "Next page", "ar": "الصفحة التالية"},
    "partial": {"en": "Long lists are cut short on this page.", "ar": "القوائم الطويلة مختصرة في هذه الصفحة."},
    "inverse": {"en": "linked here by", "ar": "يرتبط به عبر"},
    "of": {"en": "of", "ar": "لـ"},
    "source": {"en": "source", "ar": "المصدر"},
    "article": {"en": "Article", "ar": "مقال"},
    "highlights": {"en": "Highlighted: quotes that facts rest on, and mentions of entities.",
                   "ar": "المظلل: اقتباسات تستند إليها الحقائق، وإشارات إلى كيانات."},
    "quote": {"en": "quote", "ar": "اقتباس"},
    "mention": {"en": "mention", "ar": "إشارة"},
    "country": {"en": "Country", "ar": "الدولة"},
    "all_countries": {"en": "All countries", "ar": "كل الدول"},
    "filter": {"en": "Filter", "ar": "تصفية"},
    "date": {"en": "Date", "ar": "التاريخ"},
    "undated": {"en": "undated", "ar": "بلا تاريخ"},
    "item": {"en": "Event or commitment", "ar": "حدث أو التزام"},
    "status": {"en": "Status", "ar": "الحالة"},
    "countries": {"en": "Countries", "ar": "الدول"},
    "from": {"en": "from", "ar": "ناتج عن"},
    "engagement": {"en": "engagement", "ar": "لقاء"},
    "outcome": {"en": "commitment", "ar": "التزام"},
    "status_entry": {"en": "status as of", "ar": "الحالة في"},
    "map_note": {"en": "Places and infrastructure with coordinates; country borders: Natural Earth (world-atlas). "
                       "Works offline.",
                 "ar": "الأماكن والبنية التحتية ذات الإحداثيات؛ حدود الدول من Natural Earth (world-atlas). "
                       "تعمل دون اتصال."},
    "located": {"en": "Located items", "ar": "العناصر ذات الموقع"},
    "not_found": {"en": "Not found", "ar": "غير موجود"},
    "not_found_text": {"en": "The graph says nothing about this IRI.", "ar": "لا يذكر الرسم المعرفي شيئًا عن هذا المعرّف."},
    "rdf": {"en": "As RDF", "ar": "بصيغة RDF"},
    "home_intro": {"en": "Look up a person, organisation, place, event or commitment; every fact is shown with the "
                           "exact words of the source it rests on.",
                   "ar": "ابحث عن شخص أو مؤسسة أو مكان أو حدث أو التزام؛ تُعرض كل حقيقة مع الكلمات الحرفية "
                         "للمصدر الذي تستند إليه."},
}


def t(key: str, lang: str) -> str:
    """The UI string ``key`` in ``lang`` (English when missing; see :func:`kg.i18n.text`)."""
    return text(key, lang, table=UI)
