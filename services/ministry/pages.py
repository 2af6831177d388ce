"""The ministry service's web pages."""

PAGES = ()
