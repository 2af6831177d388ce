"""The ministry's observer in a real browser, in French (the ministry person's language): the
national overview sorted by a column and downloaded as CSV and XLSX through its links, then one
national indicator of the catalogue compared across the councils, in a chart and a table.

One test, one sign-in: the ministry signs in with a second step, whose code counts once, so each
sign-in may wait for the authenticator's next code."""

import csv
import io

import openpyxl

from tests.browser.test_every_page import signed_in

OBJECTIVES_HEADING = "thead th:has(a[href*='sort=objectives&'])"


def test_the_ministry_sorts_and_downloads_the_overview_then_compares_an_indicator(open_as, base_url):
    page = signed_in(open_as, "ministry")
    page.goto("/ministry")
    assert page.locator("h1").inner_text() == "Vue nationale"
    sorts_the_overview_by_a_column(page, base_url)
    downloads_the_overview(page)
    compares_a_national_indicator_across_councils(page)


def sorts_the_overview_by_a_column(page, base_url):
    assert page.get_attribute("thead th:first-child", "aria-sort") == "ascending"  # by council, at first

    page.locator(f"{OBJECTIVES_HEADING} a").click()
    page.wait_for_url("**/ministry?sort=objectives&order=asc")
    assert page.get_attribute(OBJECTIVES_HEADING, "aria-sort") == "ascending"
    assert page.get_attribute("thead th:first-child", "aria-sort") is None
    ascending = objectives_column(page)
    assert ascending == sorted(ascending)

    page.locator(f"{OBJECTIVES_HEADING} a").click()  # the same heading again: the other way round
    page.wait_for_url("**/ministry?sort=objectives&order=desc")
    assert page.get_attribute(OBJECTIVES_HEADING, "aria-sort") == "descending"
    descending = objectives_column(page)
    assert descending == sorted(ascending, reverse=True)
    councils = page.request.get(base_url + "/api/v1/ministry/overview").json()["items"]
    assert len(descending) == len(councils) >= 2  # the demo's two councils
    assert descending[0] == max(council["objectives"] for council in councils)


def objectives_column(page):
    """The overview's "Objectives" figures, top to bottom."""
    cells = page.locator("tbody td:nth-child(3)").all_inner_texts()
    return [int("".join(character for character in cell if character.isdigit())) for cell in cells]


def downloads_the_overview(page):
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger en CSV").click()
    assert info.value.suggested_filename.endswith(".csv")
    with open(info.value.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    fes_meknes = [row for row in rows if row["tenant"] == "fes-meknes"]
    assert len(fes_meknes) == 1
    assert fes_meknes[0]["name"] == "Fès-Meknès"
    assert int(fes_meknes[0]["objectives"]) >= 6  # the demo's six, and any another test added since

    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger en XLSX").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    with open(info.value.path(), "rb") as file:  # the download's file has no .xlsx name
        sheet = openpyxl.load_workbook(io.BytesIO(file.read()), read_only=True).active
    lines = [line for line in sheet.iter_rows(values_only=True) if any(value is not None for value in line)]
    assert len(lines) - 1 == len(rows)  # a heading line, then one line per council, as in the CSV
    assert "Fès-Meknès" in {value for line in lines for value in line}


def compares_a_national_indicator_across_councils(page):
    page.locator("nav.menu").get_by_role("link", name="Catalogue des indicateurs").click()
    page.wait_for_url("**/ministry/catalogue")
    page.get_by_role("link", name="SATISFACTION", exact=True).click()  # mapped by the demo's council
    page.wait_for_url("**/ministry/indicators/SATISFACTION")
    assert "Taux de satisfaction des usagers" in page.locator("h1").inner_text()
    chart = page.locator("main svg[role=img]")
    assert chart.count() == 1 and chart.is_visible()
    assert chart.locator("rect.bar").count() >= 1  # a bar per council with a value
    row = page.locator("main table tbody tr", has_text="Fès-Meknès")
    assert row.count() == 1
    assert "%" in row.locator("td").nth(2).inner_text()  # its latest value
