"""The words around the data — report sentences, table titles, column headers — in English and Arabic.

Labels and messages of the data carry their own language tags; this module holds the rest, so that
``--lang ar`` gives an Arabic report and Arabic tables, not English chrome around Arabic labels.
"""

from __future__ import annotations

LANGS = ("en", "ar")

MESSAGES: dict[str, dict[str, str]] = {
    "conforms": {"en": "Conforms: no violations.", "ar": "مطابق للقيود: لا توجد مخالفات."},
    "not-conform": {"en": "Does not conform: {violations} violation(s) on {nodes} node(s).",
                    "ar": "غير مطابق للقيود: {violations} مخالفة في {nodes} عقدة."},
    "source": {"en": "source", "ar": "المصدر"},
    "path": {"en": "path", "ar": "المسار"},
    "value": {"en": "value", "ar": "القيمة"},
    "constraint": {"en": "constraint", "ar": "القيد"},
    "rows": {"en": "{n} row(s)", "ar": "عدد الصفوف: {n}"},
    "queries": {"en": "Packaged queries", "ar": "الاستعلامات المرفقة"},
    "name": {"en": "name", "ar": "الاسم"},
    "title": {"en": "title", "ar": "العنوان"},
    "parameters": {"en": "parameters", "ar": "المعاملات"},
    "required": {"en": "required", "ar": "مطلوب"},
    "graphs": {"en": "Triples per graph", "ar": "عدد الثلاثيات في كل رسم بياني"},
    "graph": {"en": "graph", "ar": "الرسم البياني"},
    "triples": {"en": "triples", "ar": "الثلاثيات"},
    "total": {"en": "total", "ar": "المجموع"},
    "classes": {"en": "Entities per class (with inferences)", "ar": "عدد الكيانات في كل صنف (مع الاستدلالات)"},
    "class": {"en": "class", "ar": "الصنف"},
    "entities": {"en": "entities", "ar": "الكيانات"},
    "domains": {"en": "Cooperation domains", "ar": "مجالات التعاون"},
    "domain": {"en": "domain", "ar": "المجال"},
    "domain-en": {"en": "domain", "ar": "المجال بالإنجليزية"},
    "facts": {"en": "facts", "ar": "الحقائق"},
}

COLUMNS_AR: dict[str, str] = {
    "person": "الشخص", "post": "المنصب", "organization": "المؤسسة", "organisation": "المؤسسة",
    "country": "الدولة", "city": "المدينة", "place": "المكان", "event": "الحدث", "meeting": "الاجتماع",
    "engagement": "اللقاء", "visit": "الزيارة", "date": "التاريخ", "start": "البداية", "end": "النهاية",
    "status": "الحالة", "since": "منذ", "as_of": "حتى تاريخ", "level": "المستوى", "item": "البند",
    "agreement": "الاتفاق", "commitment": "الالتزام", "outcome": "النتيجة", "party": "الطرف", "role": "الدور",
    "domain": "المجال", "topic": "الموضوع", "fact": "الحقيقة", "quote": "المقتطف", "text": "النص",
    "source": "المصدر", "article": "المقال", "evidence": "الدليل", "entity": "الكيان", "property": "الخاصية",
    "value": "القيمة", "direction": "الاتجاه", "speaker": "المتحدث", "statement": "التصريح",
    "infrastructure": "البنية التحتية", "operator": "المشغل", "service": "الخدمة", "link": "الرابط",
    "holder": "شاغل المنصب", "other": "الطرف الآخر", "n": "العدد", "count": "العدد", "label": "التسمية",
    "type": "النوع", "score": "الدرجة", "mechanism": "آلية المتابعة", "initiative": "المبادرة",
    "acting": "بالإنابة", "asOf": "حتى تاريخ", "attendee": "الحاضر", "endCountry": "دولة الطرف الآخر",
    "facility": "المنشأة", "facts": "الحقائق", "focus": "العقدة", "followUp": "المتابعة", "from": "من",
    "holding": "شغل المنصب", "home": "البلد الأم", "host": "البلد المضيف", "kind": "النوع", "market": "السوق",
    "message": "الرسالة", "monthsQuiet": "أشهر دون جديد", "occasion": "المناسبة", "path": "المسار",
    "precision": "الدقة", "provider": "المزود", "purpose": "الغرض", "quote_a": "المقتطف (أ)",
    "quote_b": "المقتطف (ب)", "replaced": "خلفًا لـ", "reportedOn": "تاريخ الخبر", "source_a": "المصدر (أ)",
    "source_b": "المصدر (ب)", "subject": "الموضوع", "summary": "الملخص", "through": "عبر", "until": "حتى",
    "value_a": "القيمة (أ)", "value_b": "القيمة (ب)", "welcomedBy": "رحب به", "within": "ضمن",
    "infra": "البنية التحتية", "endCity": "مدينة الطرف", "instrument": "الصك", "signatory": "الموقّع",
    "onBehalfOf": "نيابة عن", "committee": "اللجنة", "session": "الدورة", "number": "الرقم",
    "participant": "المشارك", "mw": "القدرة (ميغاواط)", "m2": "المساحة (م²)", "openAccess": "وصول مفتوح",
}
"""Arabic headers for the variable names the packaged queries use; other names are shown as they are."""


def text(key: str, lang: str = "en", *, table: dict[str, dict[str, str]] | None = None, **values: object) -> str:
    """The message ``key`` of ``table`` (default :data:`MESSAGES`) in ``lang`` — English when there is no
    translation — with ``values`` filled in."""
    entry = (MESSAGES if table is None else table)[key]
    message = entry.get(lang) or entry["en"]
    return message.format(**values) if values else message


def column(name: str, lang: str = "en") -> str:
    """A result column's header in ``lang``: the variable name, or in Arabic its translation where known."""
    return COLUMNS_AR.get(name, name) if lang == "ar" else name
