"""The policy service's web pages."""

PAGES = ()
