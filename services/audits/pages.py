"""The audits' pages: the process map, the audit programme, audits with their checklists and reports
(the nonconformities' and actions' pages are in treatment_pages.py)."""

from jouda.services.audits import treatment_pages

PAGES = () + treatment_pages.PAGES
