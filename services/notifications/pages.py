"""The notifications service's web pages."""

PAGES = ()
