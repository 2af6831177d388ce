"""Queries of the ministry service."""

from sqlalchemy import select

from jouda.services.ministry import domain, models  # noqa: F401 - models maps the domain classes


class MinistryRepository:
    def __init__(self, session):
        self.session = session

    def add(self, *objects):
        self.session.add_all(objects)

    def catalogue(self):
        return self.session.scalars(select(domain.CatalogueIndicator).order_by(domain.CatalogueIndicator.code)).all()

    def catalogue_entry(self, code):
        return self.session.get(domain.CatalogueIndicator, code) if code else None
