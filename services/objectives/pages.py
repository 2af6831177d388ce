"""The objectives service's web pages."""

PAGES = ()
