"""The audit report as a printable HTML document (A4), in French or Arabic (right to left), from the
same report the JSON answer carries. Jinja2 escapes every value: auditors' text is never markup."""

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

WORDS = {
    "fr": {
        "report": "Rapport d'audit",
        "plan": "Plan de l'audit",
        "type": "Type",
        "processes": "Processus audités",
        "clauses": "Exigences",
        "criteria": "Critères",
        "objectives": "Objectifs",
        "dates": "Dates",
        "lead": "Auditeur responsable",
        "team": "Équipe d'audit",
        "auditees": "Audités",
        "summary": "Synthèse",
        "strengths": "Points forts",
        "findings": "Constats par exigence",
        "no_findings": "Aucun constat : toutes les questions sont conformes ou non applicables.",
        "conclusions": "Conclusions",
        "results": "Résultats de la liste de contrôle",
        "nonconformities": "Non-conformités ouvertes par ce rapport",
        "impartiality": "Impartialité",
        "impartial": "Aucun conflit : aucun auditeur n'audite un processus qu'il pilote "
        "ou a piloté dans les douze derniers mois.",
        "override": "Dérogation justifiée par le responsable qualité",
        "evidence": "Preuves",
        "note": "Note",
        "finding": "Constat",
        "state": "État",
        "to": "au",
    },
    "ar": {
        "report": "تقرير التدقيق",
        "plan": "خطة التدقيق",
        "type": "النوع",
        "processes": "المسلسلات المدققة",
        "clauses": "البنود",
        "criteria": "المعايير",
        "objectives": "الأهداف",
        "dates": "التواريخ",
        "lead": "المدقق الرئيسي",
        "team": "فريق التدقيق",
        "auditees": "الخاضعون للتدقيق",
        "summary": "الخلاصة",
        "strengths": "نقاط القوة",
        "findings": "الملاحظات حسب البند",
        "no_findings": "لا توجد ملاحظات: جميع الأسئلة مطابقة أو غير قابلة للتطبيق.",
        "conclusions": "الاستنتاجات",
        "results": "نتائج قائمة المراجعة",
        "nonconformities": "حالات عدم المطابقة المفتوحة بهذا التقرير",
        "impartiality": "الحياد",
        "impartial": "لا يوجد تعارض: لا يدقق أي مدقق مسلسلاً يسيره أو سيّره خلال الاثني عشر شهراً الماضية.",
        "override": "استثناء مبرر من طرف مسؤول الجودة",
        "evidence": "الأدلة",
        "note": "ملاحظة",
        "finding": "الملاحظة",
        "state": "الحالة",
        "to": "إلى",
    },
}
RESULT_WORDS = {
    "fr": {
        "conforming": "Conforme",
        "major_nc": "Non-conformité majeure",
        "minor_nc": "Non-conformité mineure",
        "observation": "Observation",
        "improvement_opportunity": "Piste d'amélioration",
        "good_practice": "Bonne pratique",
        "not_applicable": "Non applicable",
        "not_assessed": "Non évalué",
    },
    "ar": {
        "conforming": "مطابق",
        "major_nc": "عدم مطابقة كبرى",
        "minor_nc": "عدم مطابقة صغرى",
        "observation": "ملاحظة",
        "improvement_opportunity": "فرصة للتحسين",
        "good_practice": "ممارسة جيدة",
        "not_applicable": "غير قابل للتطبيق",
        "not_assessed": "لم يُقيّم",
    },
}


@cache
def environment():
    return Environment(
        loader=PackageLoader("jouda.services.audits", "report_templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(report) -> str:
    language = report["language"]
    return (
        environment()
        .get_template("report.html")
        .render(
            report=report,
            audit=report["audit"],
            words=WORDS[language],
            results=RESULT_WORDS[language],
            direction="rtl" if language == "ar" else "ltr",
            language=language,
        )
    )
